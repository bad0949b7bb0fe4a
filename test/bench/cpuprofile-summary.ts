// `tsx test/bench/cpuprofile-summary.ts FILE.cpuprofile [--top 40] [--skip 3]`: where a V8 CPU
// profile's time went, without a GUI. Self time and total (inclusive) time by function and by file
// (node_modules packages grouped by package), and "caused by": each sample charged to the innermost
// frame of the app or of a package (so a socket write counts for ioredis or Fastify, whoever
// wrote). Percentages of all samples, idle included; --skip leaves out the first seconds (start-up).
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '40' }, skip: { type: 'string', default: '0' } },
})
const file = positionals[0]
if (!file) throw new Error('usage: cpuprofile-summary FILE.cpuprofile [--top 40] [--skip SECONDS]')
const top = Number(opts.top)
const skipUs = Number(opts.skip) * 1e6
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile

/** A readable place: a node_modules package, or the path from the repository root. */
function where(url: string): string {
  if (!url) return '(native)'
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  if (url.startsWith('node:')) return url
  const repo = url.indexOf('/work/main/')
  return repo >= 0 ? url.slice(repo + '/work/main/'.length) : url
}
const label = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${where(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

// Time per sample: the delta that follows it (the first delta is time before the first sample).
const selfUs = new Map<number, number>()
let totalUs = 0
let elapsedUs = 0
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i + 1] ?? 0
  elapsedUs += profile.timeDeltas[i] ?? 0
  if (elapsedUs < skipUs) return
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt)
  totalUs += dt
})

const self = new Map<string, number>()
const total = new Map<string, number>()
const fileSelf = new Map<string, number>()
const fileTotal = new Map<string, number>()
const causedBy = new Map<string, number>()
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v)
for (const [id, us] of selfUs) {
  const node = byId.get(id)!
  add(self, label(node.callFrame), us)
  add(fileSelf, where(node.callFrame.url), us)
  // Inclusive time: once per distinct function / file on the stack (recursion counted once).
  const seen = new Set<string>()
  const seenFile = new Set<string>()
  let cause: string | null = null
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame
    if (cause === null && f.url && !f.url.startsWith('node:')) cause = where(f.url)
    const l = label(f)
    if (!seen.has(l)) {
      seen.add(l)
      add(total, l, us)
    }
    const w = where(f.url)
    if (!seenFile.has(w)) {
      seenFile.add(w)
      add(fileTotal, w, us)
    }
  }
  add(causedBy, cause ?? `${node.callFrame.functionName} (native)`, us)
}

const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1).padStart(5)} %`
function show(title: string, m: Map<string, number>, n: number): void {
  console.log(`\n${title}`)
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(v)}  ${k}`)
}
console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s sampled`)
show('self time by function', self, top)
show('total time by function', total, top)
show('self time by file / package', fileSelf, 25)
show('total time by file / package', fileTotal, 25)
show('caused by (innermost app or package frame)', causedBy, 30)
