// The scale bench's view into a server process's memory, through the V8 inspector the process was
// started with (`--inspect=127.0.0.1:PORT`): a full GC, then `process.memoryUsage()`, and which code
// allocated what stays alive (the sampling heap profiler), with no debug route in the server's code.
import WebSocket from 'ws'

export interface MemoryUsage {
  rss: number
  heapTotal: number
  heapUsed: number
  external: number
  arrayBuffers: number
}

export interface Inspector {
  /** process.memoryUsage() right after two full garbage collections */
  memoryAfterGc(): Promise<MemoryUsage>
  /** V8's sampling heap profiler: what is allocated from now on and still alive when stopped */
  startSampling(intervalBytes: number): Promise<void>
  /** KB still alive by the package (or repository file) whose code allocated it, largest first; `detail`: by function */
  stopSampling(top: number, detail: boolean): Promise<Array<{ where: string; KB: number }>>
  close(): void
}

interface SamplingNode {
  callFrame: { functionName: string; url: string }
  selfSize: number
  children: SamplingNode[]
}

/** A package, or a path from the repository root; null for Node's internals. */
function owner(url: string): string | null {
  if (!url || url.startsWith('node:')) return null
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const parts = url.slice(nm + 13).split('/')
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!
  }
  const repo = url.indexOf('/work/main/')
  return repo >= 0 ? url.slice(repo + 11) : url
}

/**
 * Each sample's size goes to the innermost frame of our code or a package's, not Node's internals
 * (`detail`: that frame's function too).
 */
function byOwner(node: SamplingNode, inherited: string, detail: boolean, into: Map<string, number>): void {
  const mine = owner(node.callFrame.url)
  const here = mine === null ? inherited : detail ? `${mine} ${node.callFrame.functionName || '(anonymous)'}` : mine
  if (node.selfSize > 0) into.set(here, (into.get(here) ?? 0) + node.selfSize)
  for (const child of node.children) byOwner(child, here, detail, into)
}

interface Reply {
  id: number
  result?: { result?: { value?: unknown }; profile?: { head: SamplingNode } }
  error?: { message: string }
}

export async function attachInspector(port: number): Promise<Inspector> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl, { perMessageDeflate: false })
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  let lastId = 0
  const pending = new Map<number, (r: Reply) => void>()
  ws.on('message', (data: Buffer) => {
    const reply = JSON.parse(data.toString()) as Reply
    pending.get(reply.id)?.(reply)
    pending.delete(reply.id)
  })
  const call = (method: string, params: object = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const id = ++lastId
      pending.set(id, (r) => (r.error ? reject(new Error(`${method}: ${r.error.message}`)) : resolve(r)))
      ws.send(JSON.stringify({ id, method, params }))
    })
  return {
    async memoryAfterGc() {
      // Twice: the first collection runs finalizers whose garbage the second one takes.
      await call('HeapProfiler.collectGarbage')
      await call('HeapProfiler.collectGarbage')
      const r = await call('Runtime.evaluate', { expression: 'process.memoryUsage()', returnByValue: true })
      return r.result!.result!.value as MemoryUsage
    },
    async startSampling(intervalBytes) {
      await call('HeapProfiler.startSampling', { samplingInterval: intervalBytes })
    },
    async stopSampling(top, detail) {
      await call('HeapProfiler.collectGarbage')
      const { profile } = (await call('HeapProfiler.stopSampling')).result!
      const sizes = new Map<string, number>()
      byOwner(profile!.head, '(node internals)', detail, sizes)
      return [...sizes]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([where, bytes]) => ({ where, KB: Math.round(bytes / 1024) }))
    },
    close: () => ws.close(),
  }
}
