// A cluster of N real daemons on 127.0.0.1: one secret, fast timers (upstream's test config
// uses 250 ms pings; real processes get 1 s), peers bootstrapped to the first one.
import { randomBytes } from 'node:crypto'
import { startDaemon } from './daemon.js'
import type { DaemonHandle, DaemonOptions } from './daemon.js'
import { ctlOk } from './ctl.js'
import { waitFor } from './wait.js'

export interface ClusterOptions {
  /** edits every peer's service.json (i = peer index) */
  configure?: (json: any, i: number) => void
  env?: Record<string, string>
  /** keep the config's own timers (what an operator runs) instead of the fast test timers */
  defaultTimers?: boolean
}

export interface TestCluster {
  peers: DaemonHandle[]
  secret: string
  /** starts one more peer that joins the cluster */
  addPeer: (configure?: (json: any) => void) => Promise<DaemonHandle>
  /** waits until every running peer sees `n` peers in its peerset */
  waitPeerset: (n: number, among?: DaemonHandle[]) => Promise<void>
  /**
   * waits until `among` (default: every peer) holds a live `metric` of `n` peers: with the
   * config's own timers the first metrics come a while after the peerset forms, and until then
   * the allocator has no peer to choose
   */
  waitMetric: (metric: string, n: number, among?: DaemonHandle[]) => Promise<void>
  /**
   * waits until `observer`'s peerset and the peers of its live `metrics` are exactly `live`: a
   * count can be met by peers killed a moment ago whose metrics have not expired yet, while a
   * new peer's first metric is still to come
   */
  waitExactly: (live: DaemonHandle[], observer: DaemonHandle, metrics?: string[]) => Promise<void>
  stopAll: () => Promise<void>
}

/** Short timers so failures and recoveries show within seconds. */
export function fastTimers (json: any): void {
  json.cluster.monitor_ping_interval = '1s'
  json.cluster.peer_watch_interval = '1s'
  json.cluster.state_sync_interval = '5s'
  json.cluster.pin_recover_interval = '10s'
  json.consensus.crdt.rebroadcast_interval = '1s'
  json.monitor.pubsubmon.check_interval = '1s'
  for (const inf of ['disk', 'tags', 'pinqueue']) {
    if (json.informer?.[inf] != null) json.informer[inf].metric_ttl = '3s'
  }
  json.ipfs_connector.embedded.gc_grace_period = '0s'
}

/** What each peer sees, for the message of a cluster that did not form. */
async function peersetReport (peers: DaemonHandle[]): Promise<string> {
  const lines = await Promise.all(peers.map(async p => {
    try {
      const id = JSON.parse(await ctlOk(['--enc=json', 'id'], { host: p.apiMultiaddr }))
      return `${p.peerId}: ${String(id.cluster_peers.length)} peers ${JSON.stringify(id.cluster_peers)}`
    } catch (err) {
      return `${p.peerId}: ${(err as Error).message}`
    }
  }))
  return lines.join('\n')
}

export async function startCluster (n: number, opts: ClusterOptions = {}): Promise<TestCluster> {
  const secret = randomBytes(32).toString('hex')
  const peers: DaemonHandle[] = []
  let nextIndex = 0
  const options = (i: number, extra?: (json: any) => void): DaemonOptions => ({
    peername: `cluster${i}`,
    env: opts.env,
    configure: json => {
      json.cluster.secret = secret
      if (opts.defaultTimers !== true) fastTimers(json)
      opts.configure?.(json, i)
      extra?.(json)
    },
    args: peers.length > 0 ? ['--bootstrap', peers[0].swarmAddr] : []
  })
  const cluster: TestCluster = {
    peers,
    secret,
    addPeer: async configure => {
      const d = await startDaemon(options(nextIndex++, configure))
      peers.push(d)
      return d
    },
    waitPeerset: async (count, among) => {
      for (const p of among ?? peers) {
        try {
          await waitFor(async () => {
            const id = JSON.parse(await ctlOk(['--enc=json', 'id'], { host: p.apiMultiaddr }))
            return id.cluster_peers.length === count ? true : undefined
          }, 90_000)
        } catch (err) {
          throw new Error(`${(err as Error).message}: peer ${p.peerId} does not see ${count} peers\n${await peersetReport(among ?? peers)}`)
        }
      }
    },
    waitMetric: async (metric, count, among) => {
      for (const p of among ?? peers) {
        await waitFor(async () => {
          const ms = JSON.parse(await ctlOk(['--enc=json', 'health', 'metrics', metric], { host: p.apiMultiaddr }))
          return Array.isArray(ms) && ms.length >= count ? true : undefined
        }, 120_000)
      }
    },
    waitExactly: async (live, observer, metrics = ['freespace']) => {
      const want = JSON.stringify(live.map(p => p.peerId).sort())
      // a metric counts once sent by the peer's running process: a restarted peer's metrics from
      // its earlier process still count until they expire, and then (the peerset is the peers
      // with a live ping) it is out of the peerset until its new process's first ping arrives
      const startedAt = new Map(live.map(p => [p.peerId, p.startedAt * 1e6]))
      const fresh = (x: { peer: string, received_at: number }): boolean => x.received_at >= (startedAt.get(x.peer) ?? 0)
      const others = JSON.stringify(live.filter(p => p !== observer).map(p => p.peerId).sort())
      /** the peers whose metric `m` the observer holds from their running process, sorted */
      const freshPeers = async (m: string): Promise<string[]> => {
        const ms = JSON.parse(await ctlOk(['--enc=json', 'health', 'metrics', m], { host: observer.apiMultiaddr }))
        return [...new Set<string>(ms.filter(fresh).map((x: { peer: string }) => x.peer))].sort()
      }
      let seen = ''
      await waitFor(async () => {
        const id = JSON.parse(await ctlOk(['--enc=json', 'id'], { host: observer.apiMultiaddr }))
        const sets = [[...id.cluster_peers].sort()]
        for (const m of metrics) sets.push(await freshPeers(m))
        const pinged = JSON.stringify((await freshPeers('ping')).filter(p => p !== observer.peerId))
        seen = `${JSON.stringify(sets)}, pinged since started ${pinged}`
        return sets.every(s => JSON.stringify(s) === want) && pinged === others ? true : undefined
      }, 90_000).catch(err => { throw new Error(`${(err as Error).message}: ${observer.peerId} does not see exactly ${want} (peerset, ${metrics.join(', ')}, pings): ${seen}`) })
    },
    stopAll: async () => {
      await Promise.all(peers.map(async p => { await p.kill() }))
      for (const p of peers) p.cleanup()
    }
  }
  try {
    // the first peer must be up before the others bootstrap to it
    await cluster.addPeer()
    await Promise.all(Array.from({ length: n - 1 }, async () => await cluster.addPeer()))
    await cluster.waitPeerset(n)
  } catch (err) {
    await cluster.stopAll()
    throw err
  }
  return cluster
}
