// A real local Redis Cluster for the tests: three masters (no replicas) started with
// `redis-server --cluster-enabled yes` and joined with `redis-cli --cluster create`.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { type LocalRedis, startRedisServer } from '../../server/store/redis-server.js'
import { until } from './wait.js'

const run = promisify(execFile)

export interface LocalCluster {
  /** the nodes as REDIS_URL takes them with WALLBOARD_REDIS_CLUSTER=true */
  url: string
  nodes: LocalRedis[]
  stop(): Promise<void>
}

export async function startRedisCluster(masters = 3): Promise<LocalCluster> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'wallboard-test-cluster-'))
  const nodes: LocalRedis[] = []
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()))
    rmSync(root, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < masters; i++) {
      const dir = path.join(root, `node-${i}`)
      nodes.push(
        await startRedisServer({
          dir,
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            path.join(dir, 'nodes.conf'),
            '--cluster-node-timeout',
            '5000',
          ],
        }),
      )
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`)
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'])
    // Every node must know the whole slot map before a client may trust any of them.
    for (const n of nodes) {
      await until(
        `cluster state ok on ${n.port}`,
        async () => (await run('redis-cli', ['-p', String(n.port), 'cluster', 'info'])).stdout.includes('cluster_state:ok'),
        20_000,
      )
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { url: nodes.map((n) => n.url).join(','), nodes, stop }
}
