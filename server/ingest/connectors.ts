// The phone-system connectors a server runs in its own process, by configuration
// (WALLBOARD_QUEUE_LOG, WALLBOARD_AMI_HOST …). They are the same code as `wallboard queue-log
// follow` and `wallboard ami` and feed the server over its own ingest API, so every event takes
// the one validated, stored-before-acknowledged path.
import path from 'node:path'
import type { Config } from '../config.js'
import { type SourceLog, WallboardClient } from './client.js'

export interface Connectors {
  stop(): Promise<void>
}

export async function startConnectors(opts: {
  config: Pick<Config, 'connectors' | 'dataDir'>
  /** this server, e.g. http://127.0.0.1:3000 */
  url: string
  /** a key with the ingest scope */
  apiKey: string
  log: SourceLog & { child(bindings: object): SourceLog }
}): Promise<Connectors> {
  const { queueLog, ami } = opts.config.connectors
  const client = new WallboardClient({ url: opts.url, apiKey: opts.apiKey, log: opts.log })
  const running: Array<{ stop(): Promise<void> }> = []
  if (queueLog !== null) {
    const { startFollower } = await import('./queue-log/follow.js')
    running.push(
      await startFollower({
        path: queueLog.path,
        source: queueLog.source,
        client,
        log: opts.log.child({ component: 'queue-log', source: queueLog.source }),
        checkpointPath: path.join(opts.config.dataDir, `queue-log-${queueLog.source}.json`),
      }),
    )
  }
  if (ami !== null) {
    const { startAmiConnector } = await import('./ami/connector.js')
    running.push(startAmiConnector({ ...ami, client, log: opts.log.child({ component: 'ami', source: ami.source }) }))
  }
  return {
    async stop() {
      await Promise.all(running.map((c) => c.stop()))
    },
  }
}
