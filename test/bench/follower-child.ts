// The queue_log follower as its own process, as `wallboard queue-log follow` runs it, reporting
// each acknowledged offset (with the time, epoch ms with microseconds) to the benchmark over IPC.
import { performance } from 'node:perf_hooks'
import { WallboardClient } from '../../server/ingest/client.js'
import { startFollower } from '../../server/ingest/queue-log/follow.js'

const [file, url, key, checkpointPath] = process.argv.slice(2) as [string, string, string, string]
const log = { info: () => undefined, warn: console.warn, error: console.error }
const follower = await startFollower({
  path: file,
  source: 'bench-pbx',
  client: new WallboardClient({ url, apiKey: key, log }),
  log,
  checkpointPath,
  onAck: (_ino, offset) => process.send!({ offset, at: performance.timeOrigin + performance.now() }),
})
process.send!({ ready: true })
process.on('message', (m: { stop?: boolean }) => {
  if (m.stop) void follower.stop().then(() => process.exit(0))
})
