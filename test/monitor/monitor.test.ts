import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Alert, Metric } from '../../src/api/types.js'
import {
  PeerMonitor, MetricsStore, WINDOW_CAPACITY, FAILED_CHECKS_RESET, monitorConfigSection,
  encodeMetric, decodeMetric, InvalidMetricMessageError, expireAfter, newMetric, type MetricsTransport
} from '../../src/monitor/index.js'
import { RecentAlerts, MAX_RECENT_ALERTS } from '../../src/monitor/alerts.js'

const silent = { debug () {}, warn () {}, error () {} }

/** An in-process topic: every subscriber hears every publication, tagged with its sender. */
class Topic {
  readonly handlers = new Set<(d: Uint8Array, from: string) => void>()
  readonly published: Uint8Array[] = []
  transport (self: string): MetricsTransport {
    return {
      publish: async (data) => {
        this.published.push(data)
        for (const h of this.handlers) h(data, self)
      },
      subscribe: (h) => {
        this.handlers.add(h)
        return () => { this.handlers.delete(h) }
      }
    }
  }
}

class FakeClock {
  t = 1_700_000_000_000
  now = (): number => this.t
}

function metric (name: string, peer: string, ttlMs: number, now: number, extra: Partial<Metric> = {}): Metric {
  return newMetric({ name, peer, valid: true, expire: expireAfter(ttlMs, now), value: '1', ...extra })
}

function monitorFor (peer: string, topic: Topic, clock: FakeClock, checkIntervalMs = 15_000): PeerMonitor {
  return new PeerMonitor({ config: { checkIntervalMs }, transport: topic.transport(peer), logger: silent, peerId: peer, clock: clock.now })
}

describe('MetricsStore', () => {
  it('stamps received_at, keeps a window of 25 and returns the latest valid per peer sorted', () => {
    const clock = new FakeClock()
    const store = new MetricsStore(clock.now)
    for (let i = 0; i < 30; i++) store.add(metric('freespace', 'B', 30_000, clock.t, { value: String(i) }))
    store.add(metric('freespace', 'A', 30_000, clock.t, { value: 'a' }))
    store.add(metric('freespace', 'C', 30_000, clock.t, { valid: false }))
    store.add(metric('freespace', 'D', -1, clock.t))
    assert.equal(store.peerAll('freespace', 'B').length, WINDOW_CAPACITY)
    assert.equal(store.peerAll('freespace', 'B')[0].value, '29')
    const latest = store.latestValid('freespace')
    assert.deepEqual(latest.map(m => [m.peer, m.value]), [['A', 'a'], ['B', '29']])
    assert.equal(latest[0].received_at, clock.t * 1e6)
    // expired and invalid metrics are still there for latestForPeer-like lookups
    assert.equal(store.peerLatest('freespace', 'D')?.peer, 'D')
    assert.equal(store.peerLatest('freespace', 'C')?.valid, false)
    assert.equal(store.peerLatest('freespace', 'nobody'), undefined)
    assert.deepEqual(store.latestValid('unknown'), [])
  })
})

describe('PeerMonitor metrics', () => {
  it('publishes valid metrics, stores them locally, and drops invalid or expired ones', async () => {
    const topic = new Topic()
    const clock = new FakeClock()
    const mon = monitorFor('A', topic, clock)
    mon.start()
    await mon.publishMetric(metric('freespace', 'A', 30_000, clock.t, { valid: false }))
    await mon.publishMetric(metric('freespace', 'A', -1000, clock.t))
    assert.equal(topic.published.length, 0)
    assert.deepEqual(mon.metricNames(), [])

    await mon.publishMetric(metric('freespace', 'A', 30_000, clock.t, { value: '100', weight: 100 }))
    assert.equal(topic.published.length, 1)
    assert.equal(decodeMetric(topic.published[0]).value, '100')
    // the echo of our own message is not stored twice
    assert.equal(mon.latestMetrics('freespace').length, 1)
    assert.equal((mon as any).store.peerAll('freespace', 'A').length, 1)
    assert.deepEqual(mon.metricNames(), ['freespace'])
    await mon.stop()
  })

  it('stores metrics from other peers and refuses metrics about someone else', async () => {
    const topic = new Topic()
    const clock = new FakeClock()
    const a = monitorFor('A', topic, clock)
    const b = monitorFor('B', topic, clock)
    a.start()
    b.start()
    await b.publishMetric(metric('ping', 'B', 30_000, clock.t))
    assert.deepEqual(a.peers(), ['B'])
    // B claims to speak for C: dropped
    for (const h of topic.handlers) h(encodeMetric(metric('ping', 'C', 30_000, clock.t)), 'B')
    assert.deepEqual(a.peers(), ['B'])
    // garbage is ignored
    for (const h of topic.handlers) h(new TextEncoder().encode('not json'), 'B')
    await a.stop()
    await b.stop()
    // after stop nothing is received
    await b.publishMetric(metric('freespace', 'B', 30_000, clock.t))
    assert.deepEqual(a.latestMetrics('freespace'), [])
  })

  it('latestMetrics skips expired metrics; latestForPeer still returns them; peers() = live pings', () => {
    const clock = new FakeClock()
    const mon = monitorFor('A', new Topic(), clock)
    mon.logMetric(metric('ping', 'A', 30_000, clock.t))
    mon.logMetric(metric('ping', 'C', 30_000, clock.t))
    mon.logMetric(metric('ping', 'B', 10_000, clock.t))
    assert.deepEqual(mon.peers(), ['A', 'B', 'C'])
    clock.t += 20_000
    assert.deepEqual(mon.peers(), ['A', 'C'])
    assert.deepEqual(mon.latestMetrics('ping').map(m => m.peer), ['A', 'C'])
    assert.equal(mon.latestForPeer('ping', 'B')?.peer, 'B')
    assert.equal(mon.latestForPeer('ping', 'Z'), undefined)
    mon.removePeer('C')
    assert.deepEqual(mon.peers(), ['A'])
  })
})

describe('PeerMonitor alerts', () => {
  it('raises one alert per failure episode and again after a valid metric', () => {
    const clock = new FakeClock()
    const mon = monitorFor('A', new Topic(), clock)
    const heard: Alert[] = []
    const off = mon.onAlert(a => heard.push(a))
    mon.logMetric(metric('ping', 'B', 30_000, clock.t))
    mon.logMetric(metric('freespace', 'B', 30_000, clock.t, { valid: false }))
    assert.equal(mon.checkNow().length, 0)
    clock.t += 31_000
    const first = mon.checkNow()
    // invalid metrics never alert: only ping
    assert.deepEqual(first.map(a => [a.name, a.peer]), [['ping', 'B']])
    assert.equal(first[0].triggered_at, new Date(clock.t).toISOString())
    assert.equal(mon.checkNow().length, 0)
    assert.equal(mon.checkNow().length, 0)
    // B comes back, then dies again: a new episode
    mon.logMetric(metric('ping', 'B', 30_000, clock.t))
    assert.equal(mon.checkNow().length, 0)
    clock.t += 31_000
    assert.equal(mon.checkNow().length, 1)
    assert.equal(heard.length, 2)
    assert.equal(mon.alerts().length, 2)
    assert.ok(mon.alerts()[0].triggered_at > mon.alerts()[1].triggered_at, 'most recent first')
    off()
  })

  it('alerts again after 300 failed checks of one episode', () => {
    const clock = new FakeClock()
    const mon = monitorFor('A', new Topic(), clock)
    mon.logMetric(metric('ping', 'B', 1000, clock.t))
    clock.t += 2000
    let raised = 0
    for (let i = 1; i <= FAILED_CHECKS_RESET; i++) raised += mon.checkNow().length
    assert.equal(raised, 1)
    assert.equal(mon.checkNow().length, 1, `check ${FAILED_CHECKS_RESET + 1} starts a new episode`)
  })

  it('does not record alerts when told so (follower) but still delivers them', () => {
    const clock = new FakeClock()
    const mon = new PeerMonitor({ config: { checkIntervalMs: 1000 }, transport: new Topic().transport('A'), logger: silent, clock: clock.now, recordAlerts: false })
    let heard = 0
    mon.onAlert(() => { heard++ })
    mon.logMetric(metric('ping', 'B', 1000, clock.t))
    clock.t += 2000
    mon.checkNow()
    assert.equal(heard, 1)
    assert.deepEqual(mon.alerts(), [])
  })

  it('checks on its timer and streams alerts until stopped', async () => {
    const mon = new PeerMonitor({ config: { checkIntervalMs: 20 }, transport: new Topic().transport('A'), logger: silent })
    mon.logMetric(metric('ping', 'B', 30, Date.now()))
    const stream = mon.alertStream()
    mon.start()
    const got: Alert[] = []
    const stopper = setTimeout(() => { void mon.stop() }, 300)
    for await (const a of stream) {
      got.push(a)
      await mon.stop()
    }
    clearTimeout(stopper)
    assert.equal(got.length, 1)
    assert.equal(got[0].peer, 'B')
  })

  it('ends a stream when its signal aborts', async () => {
    const mon = monitorFor('A', new Topic(), new FakeClock())
    const ac = new AbortController()
    const stream = mon.alertStream({ signal: ac.signal })
    setTimeout(() => { ac.abort() }, 10)
    let n = 0
    for await (const _ of stream) n++ // eslint-disable-line @typescript-eslint/no-unused-vars
    assert.equal(n, 0)
  })

  it('keeps at most ~1000 recent alerts, starting over past that', () => {
    const recent = new RecentAlerts()
    const a = (i: number): Alert => ({ ...newMetric({ name: 'ping', peer: String(i) }), triggered_at: '' })
    for (let i = 0; i <= MAX_RECENT_ALERTS; i++) recent.add(a(i))
    assert.equal(recent.recent().length, MAX_RECENT_ALERTS + 1)
    assert.equal(recent.recent()[0].peer, String(MAX_RECENT_ALERTS))
    recent.add(a(9999))
    assert.deepEqual(recent.recent().map(x => x.peer), ['9999'])
  })
})

describe('monitor config and codec', () => {
  it('parses check_interval', () => {
    assert.deepEqual(monitorConfigSection.defaults(), { checkIntervalMs: 15_000 })
    assert.deepEqual(monitorConfigSection.toJSON(monitorConfigSection.defaults()), { check_interval: '15s' })
    assert.deepEqual(monitorConfigSection.parse({ check_interval: '1m0s' }), { checkIntervalMs: 60_000 })
    assert.deepEqual(monitorConfigSection.parse({}), { checkIntervalMs: 15_000 })
    assert.throws(() => monitorConfigSection.parse({ check_interval: '0s' }), /too low/)
    assert.throws(() => monitorConfigSection.parse({ check_interval: 'soon' }))
    assert.deepEqual(monitorConfigSection.path, ['monitor', 'pubsubmon'])
    assert.equal(monitorConfigSection.envPrefix, 'CLUSTER_PUBSUBMON')
  })

  it('round-trips metrics and rejects malformed ones', () => {
    const m = metric('freespace', 'A', 1000, Date.now(), { weight: 42, partitionable: true })
    assert.deepEqual(decodeMetric(encodeMetric(m)), m)
    const bad = (s: string): Uint8Array => new TextEncoder().encode(s)
    assert.throws(() => decodeMetric(bad('[]')), InvalidMetricMessageError)
    assert.throws(() => decodeMetric(bad('{"name":"x"}')), InvalidMetricMessageError)
    assert.throws(() => decodeMetric(bad('{"name":"x","peer":"p","weight":"1"}')), InvalidMetricMessageError)
    assert.throws(() => decodeMetric(new Uint8Array([0xff, 0xfe])), InvalidMetricMessageError)
  })
})
