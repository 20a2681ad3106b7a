import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { IPFSID, IPFSRepoStat, Metric } from '../../src/api/types.js'
import {
  diskConfigSection, diskMetric, DiskInformer, tagsConfigSection, tagMetrics, TagsInformer,
  pinqueueConfigSection, pinQueueMetric, PinQueueInformer, encodePingValue, pingValueFromMetric,
  publicIPFSAddresses, PingMetricSource, MetricsPublisher, type Informer
} from '../../src/informer/index.js'
import { isDiscarded, newMetric, ttlLeft } from '../../src/monitor/metric.js'

const silent = { debug () {}, warn () {}, error () {} }
const signal = new AbortController().signal

describe('disk informer', () => {
  it('freespace: value and weight are the free bytes; full or failed is invalid', () => {
    const m = diskMetric('freespace', { RepoSize: 400, StorageMax: 1000 }, 30_000)
    assert.equal(m.name, 'freespace')
    assert.equal(m.value, '600')
    assert.equal(m.weight, 600)
    assert.equal(m.valid, true)
    assert.equal(m.partitionable, false)
    assert.ok(Math.abs(ttlLeft(m) - 30_000) < 1000)
    const full = diskMetric('freespace', { RepoSize: 1000, StorageMax: 1000 }, 30_000)
    assert.deepEqual([full.value, full.weight, full.valid], ['0', 0, false])
    const failed = diskMetric('freespace', undefined, 30_000)
    assert.equal(failed.valid, false)
  })

  it('reposize: value is the size, smaller repositories weigh more', () => {
    const m = diskMetric('reposize', { RepoSize: 400, StorageMax: 1000 }, 30_000)
    assert.deepEqual([m.name, m.value, m.weight, m.valid], ['reposize', '400', -400, true])
  })

  it('asks repo/stat and reports failures as an invalid metric', async () => {
    const stat: IPFSRepoStat = { RepoSize: 10, StorageMax: 110 }
    const ok = new DiskInformer(diskConfigSection.defaults(), { repoStat: async () => stat })
    const [m] = await ok.getMetrics(signal)
    assert.deepEqual([ok.name(), m.value, m.valid], ['freespace', '100', true])
    let seen: unknown
    const down = new DiskInformer(diskConfigSection.defaults(), { repoStat: async () => { throw new Error('ipfs down') } }, err => { seen = err })
    const [bad] = await down.getMetrics(signal)
    assert.equal(bad.valid, false)
    assert.match((seen as Error).message, /ipfs down/)
  })

  it('config section', () => {
    assert.deepEqual(diskConfigSection.toJSON(diskConfigSection.defaults()), { metric_ttl: '30s', metric_type: 'freespace' })
    assert.deepEqual(diskConfigSection.parse({ metric_ttl: '1m0s', metric_type: 'reposize' }), { metricTTLMs: 60_000, metricType: 'reposize' })
    assert.throws(() => diskConfigSection.parse({ metric_type: 'numpin' }), /disk.metric_type is invalid/)
    assert.throws(() => diskConfigSection.parse({ metric_ttl: '0s' }), /disk.metric_ttl is invalid/)
    assert.deepEqual([diskConfigSection.path, diskConfigSection.envPrefix], [['informer', 'disk'], 'CLUSTER_DISK'])
  })
})

describe('tags informer', () => {
  it('one partitionable tag:<key> metric per tag, or an invalid tag:none', async () => {
    const ms = tagMetrics({ group: 'eu', zone: 'a' }, 30_000)
    assert.deepEqual(ms.map(m => [m.name, m.value, m.valid, m.partitionable, m.weight]),
      [['tag:group', 'eu', true, true, 0], ['tag:zone', 'a', true, true, 0]])
    const none = tagMetrics({}, 30_000)
    assert.deepEqual(none.map(m => [m.name, m.valid, m.partitionable]), [['tag:none', false, true]])
    const inf = new TagsInformer(tagsConfigSection.defaults())
    assert.deepEqual((await inf.getMetrics()).map(m => [m.name, m.value]), [['tag:group', 'default']])
  })

  it('config section', () => {
    assert.deepEqual(tagsConfigSection.toJSON(tagsConfigSection.defaults()), { metric_ttl: '30s', tags: { group: 'default' } })
    assert.deepEqual(tagsConfigSection.parse({ tags: { region: 'us' } }).tags, { region: 'us' })
    assert.deepEqual(tagsConfigSection.parse({ tags: {} }).tags, {})
    assert.throws(() => tagsConfigSection.parse({ tags: { a: 1 } }))
    assert.deepEqual([tagsConfigSection.path, tagsConfigSection.envPrefix], [['informer', 'tags'], 'CLUSTER_TAGS'])
  })
})

describe('pinqueue informer', () => {
  it('weight is -queued / bucket size with integer division', async () => {
    assert.deepEqual([pinQueueMetric(5, 100_000, 1000).weight, pinQueueMetric(5, 100_000, 1000).value], [0, '5'])
    assert.ok(Object.is(pinQueueMetric(0, 100_000, 1000).weight, 0), 'no negative zero')
    assert.equal(pinQueueMetric(250_000, 100_000, 1000).weight, -2)
    assert.equal(pinQueueMetric(7, 0, 1000).weight, -7)
    assert.equal(pinQueueMetric(undefined, 100, 1000).valid, false)
    const inf = new PinQueueInformer(pinqueueConfigSection.defaults(), () => 3)
    const [m] = await inf.getMetrics(signal)
    assert.deepEqual([inf.name(), m.name, m.value, m.valid], ['pinqueue', 'pinqueue', '3', true])
    const broken = new PinQueueInformer(pinqueueConfigSection.defaults(), async () => { throw new Error('x') })
    assert.equal((await broken.getMetrics(signal))[0].valid, false)
  })

  it('config section', () => {
    assert.deepEqual(pinqueueConfigSection.toJSON(pinqueueConfigSection.defaults()), { metric_ttl: '30s', weight_bucket_size: 100000 })
    assert.throws(() => pinqueueConfigSection.parse({ weight_bucket_size: -1 }), /WeightBucketSize/)
    assert.deepEqual([pinqueueConfigSection.path, pinqueueConfigSection.envPrefix], [['informer', 'pinqueue'], 'CLUSTER_PINQUEUE'])
  })
})

describe('ping metric', () => {
  it('value is JSON with empty fields left out', () => {
    assert.equal(encodePingValue({ peer_name: 'p1', ipfs_id: 'Qm1', ipfs_addresses: ['/ip4/1.2.3.4/tcp/4001'] }),
      '{"peer_name":"p1","ipfs_id":"Qm1","ipfs_addresses":["/ip4/1.2.3.4/tcp/4001"]}')
    assert.equal(encodePingValue({ peer_name: 'p1', ipfs_id: '', ipfs_addresses: [] }), '{"peer_name":"p1"}')
    assert.deepEqual(pingValueFromMetric(newMetric({ name: 'ping', value: '{"peer_name":"x","ipfs_id":"Q"}' })), { peer_name: 'x', ipfs_id: 'Q' })
    assert.deepEqual(pingValueFromMetric(newMetric({ name: 'ping', value: 'nonsense' })), {})
    assert.deepEqual(pingValueFromMetric(undefined), {})
  })

  it('keeps only DNS and global unicast IPFS addresses', () => {
    assert.deepEqual(publicIPFSAddresses([
      '/ip4/127.0.0.1/tcp/4001', '/ip4/192.168.1.5/tcp/4001', '/ip4/8.8.8.8/udp/4001/quic-v1',
      '/ip4/169.254.1.1/tcp/1', '/ip4/0.0.0.0/tcp/1', '/ip6/::1/tcp/4001', '/ip6/fe80::1/tcp/1',
      '/ip6/2001:db8::1/tcp/4001', '/dns4/example.com/tcp/4001', '/dnsaddr/bootstrap.libp2p.io', '/ip4/224.0.0.1/udp/1'
    ]), ['/ip4/192.168.1.5/tcp/4001', '/ip4/8.8.8.8/udp/4001/quic-v1', '/ip6/2001:db8::1/tcp/4001', '/dns4/example.com/tcp/4001', '/dnsaddr/bootstrap.libp2p.io'])
  })

  it('lives twice the ping interval and reuses the last good IPFS identity while IPFS is down', async () => {
    let ipfs: IPFSID | Error = { id: 'QmIPFS', addresses: ['/ip4/8.8.8.8/tcp/4001', '/ip4/127.0.0.1/tcp/4001'], error: '' }
    const src = new PingMetricSource({
      peerId: 'A',
      peerName: 'alpha',
      pingIntervalMs: 15_000,
      ipfsId: async () => { if (ipfs instanceof Error) throw ipfs; return ipfs }
    })
    const first = await src.metric(signal)
    assert.deepEqual([first.name, first.peer, first.valid, first.weight], ['ping', 'A', true, 0])
    assert.ok(Math.abs(ttlLeft(first) - 30_000) < 1000)
    assert.deepEqual(pingValueFromMetric(first), { peer_name: 'alpha', ipfs_id: 'QmIPFS', ipfs_addresses: ['/ip4/8.8.8.8/tcp/4001'] })
    ipfs = new Error('down')
    assert.equal((await src.metric(signal)).value, first.value)
    ipfs = { addresses: null, error: 'connection refused' }
    const third = await src.metric(signal)
    assert.equal(third.value, first.value)
    assert.equal(third.valid, true)
  })
})

describe('MetricsPublisher', () => {
  const informer = (name: string, make: () => Metric[] | Promise<Metric[]>): Informer => ({
    name: () => name,
    getMetrics: async () => await make()
  })
  const ping = (): PingMetricSource => new PingMetricSource({ peerId: 'A', peerName: 'a', pingIntervalMs: 1000, ipfsId: async () => ({ id: 'Q', addresses: [], error: '' }) })

  it('sendNow publishes valid informer metrics stamped with the peer, and a ping', async () => {
    const sent: Metric[] = []
    const pub = new MetricsPublisher({
      peerId: 'A',
      monitor: { publishMetric: async (m) => { sent.push(m) } },
      informers: [
        new TagsInformer({ metricTTLMs: 30_000, tags: {} }),
        new DiskInformer(diskConfigSection.defaults(), { repoStat: async () => ({ RepoSize: 1, StorageMax: 11 }) })
      ],
      ping: ping(),
      pingIntervalMs: 1000,
      logger: silent
    })
    await pub.sendNow()
    assert.deepEqual(sent.map(m => [m.name, m.peer, m.value]).sort(), [['freespace', 'A', '10'], ['ping', 'A', '{"peer_name":"a","ipfs_id":"Q"}']])
    assert.ok(sent.every(m => !isDiscarded(m)))
  })

  it('sendNow rejects with the failures', async () => {
    const pub = new MetricsPublisher({
      peerId: 'A',
      monitor: { publishMetric: async () => { throw new Error('no route') } },
      informers: [informer('boom', () => { throw new Error('informer broke') })],
      ping: ping(),
      pingIntervalMs: 1000,
      logger: silent
    })
    await assert.rejects(pub.sendNow(), (err: AggregateError) => err.errors.length === 2)
  })

  it('runs informers every TTL/2 and pings every interval until stopped', async () => {
    const sent: Metric[] = []
    const ttl = 80
    const pub = new MetricsPublisher({
      peerId: 'A',
      monitor: { publishMetric: async (m) => { sent.push(m) } },
      informers: [informer('x', () => [newMetric({ name: 'x', valid: true, expire: (Date.now() + ttl) * 1e6 })])],
      ping: ping(),
      pingIntervalMs: 50,
      logger: silent
    })
    pub.start()
    await new Promise(resolve => setTimeout(resolve, 200))
    await pub.stop()
    const xs = sent.filter(m => m.name === 'x').length
    const pings = sent.filter(m => m.name === 'ping').length
    assert.ok(xs >= 3 && xs <= 7, `informer sent ${xs} times`)
    assert.ok(pings >= 3 && pings <= 6, `ping sent ${pings} times`)
    const after = sent.length
    await new Promise(resolve => setTimeout(resolve, 100))
    assert.equal(sent.length, after, 'nothing is sent after stop')
  })

  it('retries an erroring informer at TTL/4', async () => {
    const calls: number[] = []
    const ttl = 400
    const pub = new MetricsPublisher({
      peerId: 'A',
      monitor: { publishMetric: async (m) => { if (m.name === 'x') throw new Error('fail') } },
      informers: [informer('x', () => { calls.push(Date.now()); return [newMetric({ name: 'x', valid: true, expire: (Date.now() + ttl) * 1e6 })] })],
      ping: ping(),
      pingIntervalMs: 10_000,
      logger: silent
    })
    pub.start()
    for (let i = 0; i < 100 && calls.length < 2; i++) await new Promise(resolve => setTimeout(resolve, 10))
    await pub.stop()
    assert.ok(calls.length >= 2)
    const gap = calls[1] - calls[0]
    // TTL/4 = 100 ms; TTL/2 would be 200 ms
    assert.ok(gap >= 90 && gap < 170, `retried after ${gap} ms`)
  })
})
