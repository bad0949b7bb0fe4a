// CPU time that processes spent during a measurement, from /proc (Linux): on a machine whose cores
// the server, Redis and the load generator share, it tells which of them the cores went to.
import { readFileSync } from 'node:fs'
import os from 'node:os'

const TICKS_PER_SEC = 100 // USER_HZ, 100 on every Linux this runs on

/** user + system CPU seconds of a process so far; null where /proc is not there */
function cpuSeconds(pid: number): number | null {
  try {
    // The command name may hold spaces: the fields counted from after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC
  } catch {
    return null
  }
}

export interface CpuUse {
  /** per process: CPU seconds used, and that as a share of one core over the time measured */
  seconds: Record<string, number>
  shares: Record<string, string>
  /** the 1-minute load average when counting started: what the neighbours were doing */
  loadBefore: number
}

/** Starts counting; the returned function tells each process's CPU use since then. */
export function cpuMeter(pids: Record<string, number | undefined>): () => CpuUse {
  const started = performance.now()
  const before = Object.entries(pids).map(([name, pid]) => [name, pid, pid === undefined ? null : cpuSeconds(pid)] as const)
  const loadBefore = os.loadavg()[0]!
  return () => {
    const elapsed = (performance.now() - started) / 1000
    const use: CpuUse = { seconds: {}, shares: {}, loadBefore }
    for (const [name, pid, b] of before) {
      const a = pid === undefined ? null : cpuSeconds(pid)
      if (a === null || b === null) continue
      use.seconds[name] = a - b
      use.shares[name] = `${Math.round((100 * (a - b)) / elapsed)} %`
    }
    return use
  }
}
