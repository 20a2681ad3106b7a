// Prometheus metrics (observations.metrics) of a real daemon: /metrics on prometheus_endpoint
// with the cluster gauges the collector polls and the nodejs process metrics.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { freePort, startDaemon } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { waitFor } from '../harness/wait.js'
import { multipart, request } from '../restapi/http.js'

/** name → value of the unlabelled samples of a text exposition. */
function samples (text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*) (\S+)$/.exec(line)
    if (m != null) out.set(m[1], Number(m[2]))
  }
  return out
}

async function scrape (url: string): Promise<Map<string, number>> {
  const r = await request(url)
  assert.equal(r.status, 200)
  assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  return samples(r.body)
}

describe('Prometheus metrics (enable_stats in service.json)', { timeout: 300_000 }, () => {
  let d: DaemonHandle
  let metricsUrl: string

  before(async () => {
    const port = await freePort()
    d = await startDaemon({
      configure: j => {
        j.observations = {
          metrics: { enable_stats: true, prometheus_endpoint: `/ip4/127.0.0.1/tcp/${port}`, reporting_interval: '1s' }
        }
      }
    })
    metricsUrl = `http://127.0.0.1:${port}/metrics`
  })

  after(async () => {
    await d?.stop()
    d?.cleanup()
  })

  it('serves the cluster gauges, counters and the nodejs process metrics', async () => {
    const s = await waitFor(async () => {
      const m = await scrape(metricsUrl)
      return m.get('ipfscluster_peers') === 1 ? m : undefined
    }, 30_000)
    for (const name of [
      'ipfscluster_pins', 'ipfscluster_pins_pin_queued', 'ipfscluster_pins_pinning', 'ipfscluster_pins_pin_error',
      'ipfscluster_pins_pinned', 'ipfscluster_ec_shards_healthy', 'ipfscluster_ec_shards_lost',
      'ipfscluster_added_bytes_total', 'ipfscluster_repaired_bytes_total',
      'process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds'
    ]) assert.ok(s.has(name), `${name} is missing`)
  })

  it('pins and tracker statuses follow the pinset', async () => {
    const m = multipart([{ filename: 'metrics.txt', content: `metrics ${Date.now()}\n` }])
    const r = await request(`${d.apiUrl}/add`, { method: 'POST', body: m.body, headers: { 'content-type': m.contentType } })
    assert.equal(r.status, 200, r.body)
    const s = await waitFor(async () => {
      const got = await scrape(metricsUrl)
      return got.get('ipfscluster_pins') === 1 && got.get('ipfscluster_pins_pinned') === 1 ? got : undefined
    }, 30_000)
    assert.equal(s.get('ipfscluster_pins_pin_error'), 0)
  })

  it('only /metrics is served', async () => {
    const r = await request(metricsUrl.replace(/\/metrics$/, '/other'))
    assert.equal(r.status, 404)
  })
})

describe('Prometheus metrics (daemon --stats, endpoint from the environment)', { timeout: 300_000 }, () => {
  let d: DaemonHandle
  let port: number

  before(async () => {
    port = await freePort()
    d = await startDaemon({
      args: ['--stats'],
      env: { CLUSTER_METRICS_PROMETHEUSENDPOINT: `/ip4/127.0.0.1/tcp/${port}` },
      configure: j => {
        j.observations = { metrics: { enable_stats: false, prometheus_endpoint: '/ip4/127.0.0.1/tcp/1', reporting_interval: '30s' } }
      }
    })
  })

  after(async () => {
    await d?.stop()
    d?.cleanup()
  })

  it('--stats turns the endpoint on; the first collection runs at start', async () => {
    const s = await waitFor(async () => {
      const m = await scrape(`http://127.0.0.1:${port}/metrics`)
      return m.get('ipfscluster_peers') === 1 ? m : undefined
    }, 30_000)
    assert.equal(s.get('ipfscluster_pins'), 0)
  })
})
