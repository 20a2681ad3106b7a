// ClusterMetrics' recorder methods (what the core and the erasure code call) as they show in
// the exposition, and the observations.metrics config section.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ClusterMetrics, noopMetrics, metricsConfigSection } from '../../src/observations/index.js'
import { ServiceConfig } from '../../src/config/service-config.js'

function value (text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)
  return m == null ? undefined : Number(m[1])
}

describe('ClusterMetrics', () => {
  it('adds, repairs and erasure shards', async () => {
    const m = new ClusterMetrics({ processMetrics: false })
    m.recordAdd(1000)
    m.recordAdd(24)
    m.recordRepair(512)
    m.setErasureShards(10, 2)
    const text = await m.exposition()
    assert.equal(value(text, 'ipfscluster_added_bytes_total'), 1024)
    assert.equal(value(text, 'ipfscluster_adds_total'), 2)
    assert.equal(value(text, 'ipfscluster_repaired_bytes_total'), 512)
    assert.equal(value(text, 'ipfscluster_repairs_total'), 1)
    assert.equal(value(text, 'ipfscluster_ec_shards_healthy'), 10)
    assert.equal(value(text, 'ipfscluster_ec_shards_lost'), 2)
    assert.equal(value(text, 'process_cpu_user_seconds_total'), undefined)
  })

  it('tracker status counts: absent statuses are zero', async () => {
    const m = new ClusterMetrics({ processMetrics: false })
    m.setTrackerStatusCounts({ pinned: 3, pin_error: 1 })
    m.setTrackerStatusCounts({ pinned: 4 })
    const text = await m.exposition()
    assert.equal(value(text, 'ipfscluster_pins_pinned'), 4)
    assert.equal(value(text, 'ipfscluster_pins_pin_error'), 0)
    assert.equal(value(text, 'ipfscluster_pins_pin_queued'), 0)
  })

  it('two instances in one process do not collide (own registries)', async () => {
    const a = new ClusterMetrics()
    const b = new ClusterMetrics()
    a.setPins(1)
    b.setPins(2)
    assert.equal(value(await a.exposition(), 'ipfscluster_pins'), 1)
    assert.equal(value(await b.exposition(), 'ipfscluster_pins'), 2)
    noopMetrics.recordAdd(1)
  })
})

describe('observations.metrics config', () => {
  it('defaults as upstream', () => {
    const cfg = metricsConfigSection.defaults()
    assert.deepEqual(metricsConfigSection.toJSON(cfg), { enable_stats: false, prometheus_endpoint: '/ip4/127.0.0.1/tcp/8888', reporting_interval: '30s' })
    assert.deepEqual(metricsConfigSection.path, ['observations', 'metrics'])
  })

  it('a missing section holds the defaults; CLUSTER_METRICS_* override', () => {
    const sc = new ServiceConfig('/nonexistent', {}, {
      CLUSTER_METRICS_ENABLESTATS: 'true',
      CLUSTER_METRICS_PROMETHEUSENDPOINT: '/ip4/127.0.0.1/tcp/9999',
      CLUSTER_METRICS_REPORTINGINTERVAL: '5s'
    })
    assert.deepEqual(sc.get(metricsConfigSection), { enable_stats: true, prometheus_endpoint: '/ip4/127.0.0.1/tcp/9999', reporting_interval: 5000 })
  })

  it('invalid values are refused', () => {
    const get = (metrics: object): unknown => new ServiceConfig('/nonexistent', { observations: { metrics } }, {}).get(metricsConfigSection)
    assert.throws(() => get({ prometheus_endpoint: 'not-a-multiaddr' }), /PrometheusEndpoint multiaddr/)
    assert.throws(() => get({ reporting_interval: '-1s' }), /reporting_interval is invalid/)
    assert.throws(() => get({ enable_stats: true, prometheus_endpoint: '/ip4/127.0.0.1/udp/8888' }), /tcp/)
    assert.throws(() => get({ enable_stats: 'maybe' }), /enable_stats/)
    // an unbindable endpoint is only an error when the endpoint is going to be bound
    assert.equal((get({ enable_stats: false, prometheus_endpoint: '/ip4/127.0.0.1/udp/8888' }) as { enable_stats: boolean }).enable_stats, false)
  })
})
