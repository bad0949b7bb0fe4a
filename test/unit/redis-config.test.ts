// Which Redis the server uses: one (REDIS_URL) or a Cluster (WALLBOARD_REDIS_CLUSTER, REDIS_URL listing nodes).
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../server/config.js'

describe('Redis configuration', () => {
  it('takes one Redis by URL, not a Cluster, by default', () => {
    const c = loadConfig({ REDIS_URL: 'redis://db:6379' })
    expect(c).toMatchObject({ redisUrl: 'redis://db:6379', redisCluster: false })
  })

  it('takes a Cluster as a comma-separated list of nodes', () => {
    const c = loadConfig({ REDIS_URL: 'redis://a:7000, redis://b:7001', WALLBOARD_REDIS_CLUSTER: 'true' })
    expect(c).toMatchObject({ redisUrl: 'redis://a:7000, redis://b:7001', redisCluster: true })
  })

  it('names the variable and the reason when the URL will not do', () => {
    expect(() => loadConfig({ WALLBOARD_REDIS_CLUSTER: 'yes' })).toThrow(
      new ConfigError('WALLBOARD_REDIS_CLUSTER: needs REDIS_URL, the Cluster nodes (redis://host:port,redis://host:port,…)'),
    )
    expect(() => loadConfig({ REDIS_URL: 'redis://a:7000,redis://b:7001' })).toThrow(
      'REDIS_URL: expected redis://host:port or rediss://…, got "redis://a:7000,redis://b:7001"',
    )
    expect(() => loadConfig({ REDIS_URL: 'redis://a:7000,b:7001', WALLBOARD_REDIS_CLUSTER: '1' })).toThrow(
      'REDIS_URL: expected redis://host:port entries, comma-separated, got "b:7001"',
    )
    expect(() => loadConfig({ REDIS_URL: 'redis://a:7000', WALLBOARD_REDIS_CLUSTER: 'maybe' })).toThrow(
      'WALLBOARD_REDIS_CLUSTER: expected 1/0, true/false, yes/no or on/off, got "maybe"',
    )
  })
})
