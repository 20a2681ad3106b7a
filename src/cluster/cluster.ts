// The cluster core (upstream cluster.go): pin and unpin through consensus, status and recover
// across peers, adds, and the background loops. It owns no protocol detail: every component is
// reached through the interfaces in components.ts.
import type { Logger } from 'pino'
import type { AddParams } from '../api/params.js'
import type { AddedOutput, EcRecoveryReport, Alert, BandwidthByProtocol, ConnectGraph, GlobalPinInfo, GlobalRepoGC, ID, Metric, Pin, PinOptions } from '../api/types.js'
import { PinTypes, RPC_PROTOCOL, VERSION } from '../api/types.js'
import { ClusterError, InvalidArgumentError, errorMessage } from '../api/errors.js'
import { normalizeCid } from '../api/cid.js'
import { isExpired, isPinEverywhere, newPin } from '../api/pin.js'
import { isZeroTime } from '../common/time.js'
import type { AddEntry } from '../adder/types.js'
import type { IpfsConnector } from '../ipfs/connector.js'
import type { ClusterAPI, EcRecoveryOpts, Opts } from './api.js'
import type { ClusterConfig } from './config.js'
import type { AllocationRequest, Allocator, Consensus, Monitor, RemotePeers, Tracker } from './components.js'
import { PeerStatus } from './status.js'
import { addContent } from './add.js'
import { addErasure } from './erasure/add.js'
import { closestPeer } from './closest.js'
import type { ErasureContext } from './erasure/context.js'
import { ecGet } from './erasure/get.js'
import type { EcGetStream } from './erasure/get.js'
import { ecRecovery } from './erasure/recover.js'
import { EcAutoRepair } from './erasure/repair-auto.js'
import { erasureStatus } from './erasure/status-info.js'
import { unpinErasureFile } from './erasure/unpin.js'
import { eachLimit } from '../common/map-limit.js'
import type { Codec } from '../erasure/codec.js'
import { StripeReserve } from '../erasure/stripe-reserve.js'
import { withTimeout } from '../common/signal.js'

export const FOLLOWER_ERROR = 'this peer is configured to be in follower mode. Write operations are disabled'

/**
 * Pins a walk of the pinset re-pins or unpins at once (repin from a failed peer, expiry): the
 * operations that wait together are committed as one delta. One at a time, each was a delta of
 * its own, and a failed peer's 5,000 pins took 25 s to move (a million, over an hour).
 */
const PINSET_WALK_CONCURRENCY = 1000

export interface ClusterInit {
  peerId: string
  config: ClusterConfig
  /** this peer's libp2p addresses, each ending in /p2p/<id> */
  addresses: () => string[]
  /** the known libp2p addresses of another peer, each ending in /p2p/<id> */
  peerAddresses: (peer: string) => Promise<string[]>
  /** traffic of this peer's libp2p host per protocol */
  bandwidth: () => BandwidthByProtocol
  ipfs: IpfsConnector
  consensus: Consensus
  tracker: Tracker
  monitor: Monitor
  allocator: Allocator
  remote: RemotePeers
  logger: Logger
  /** Reed-Solomon codec of the erasure-coding flows */
  codec: Codec
  /** live peers in the allocator's order (EC placement) */
  ranking: (exclude?: string[]) => string[]
  groupOf: (peer: string) => string | undefined
  recordAdd?: (bytes: number) => void
  recordRepair?: (bytes: number) => void
}

export class Cluster implements ClusterAPI {
  readonly peerId: string
  readonly config: ClusterConfig
  private readonly init: ClusterInit
  private readonly log: Logger
  private readonly statuses: PeerStatus
  private readonly timers: NodeJS.Timeout[] = []
  private readonly stopped = new AbortController()
  private unsubscribeAlerts?: () => void
  /** the context the erasure-coding flows run in */
  readonly erasure: ErasureContext
  /** repairs EC files by itself once a shard holder stays down past ec_repair_grace_period */
  private readonly ecAutoRepair: EcAutoRepair

  constructor (init: ClusterInit) {
    this.init = init
    this.peerId = init.peerId
    this.config = init.config
    this.log = init.logger
    this.statuses = new PeerStatus({
      self: init.peerId,
      peerset: () => this.peerset(),
      tracker: init.tracker,
      remote: init.remote,
      peername: p => this.peernameOf(p),
      consensus: init.consensus
    })
    this.erasure = {
      peerId: init.peerId,
      config: init.config,
      ipfs: init.ipfs,
      remote: init.remote,
      consensus: init.consensus,
      tracker: init.tracker,
      monitor: init.monitor,
      codec: init.codec,
      stripeReserve: new StripeReserve(),
      logger: init.logger,
      peerset: () => this.peerset(),
      ranking: exclude => init.ranking(exclude),
      groupOf: peer => init.groupOf(peer),
      commitPin: async (pin, opts) => await this.commitPin(pin, opts),
      recordAdd: bytes => init.recordAdd?.(bytes),
      recordRepair: bytes => init.recordRepair?.(bytes)
    }
    this.ecAutoRepair = new EcAutoRepair(this.erasure)
  }

  /** Starts the background loops: recover at start and every pin_recover_interval, expiry sweeps. */
  start (): void {
    if (!this.config.follower_mode) {
      this.unsubscribeAlerts = this.init.monitor.onAlert(alert => {
        if (alert.name !== 'ping') return
        void this.repinFromPeer(alert.peer)
        this.ecAutoRepair.peerDown(alert.peer, alert.expire / 1e6)
      })
      this.ecAutoRepair.start()
    }
    void this.recoverLocal()
    this.timers.push(setInterval(() => { void this.recoverLocal() }, this.config.pin_recover_interval).unref())
    if (!this.config.follower_mode) {
      this.timers.push(setInterval(() => { void this.stateSync() }, this.config.state_sync_interval).unref())
    }
  }

  stop (): void {
    this.unsubscribeAlerts?.()
    this.ecAutoRepair.stop()
    this.stopped.abort()
    for (const t of this.timers) clearInterval(t)
    this.erasure.stripeReserve?.clear()
  }

  private async recoverLocal (): Promise<void> {
    try {
      for await (const _ of this.init.tracker.recoverAll({ signal: this.stopped.signal })) { /* re-queued */ }
    } catch (err) {
      if (!this.stopped.signal.aborted) this.log.warn({ err: errorMessage(err) }, 'automatic recover failed')
    }
  }

  /** Unpins expired pins (each expired pin is handled by one peer: the closest trusted one). */
  async stateSync (): Promise<void> {
    try {
      const expiring = this.init.consensus.list({ signal: this.stopped.signal, only: 'expiring' })
      await eachLimit(expiring, PINSET_WALK_CONCURRENCY, async pin => {
        if (!isExpired(pin) || !this.isClosestTo(pin.cid)) return
        this.log.info({ cid: pin.cid }, 'unpinning expired pin')
        await this.init.consensus.logUnpin(pin)
      })
    } catch (err) {
      if (!this.stopped.signal.aborted) this.log.warn({ err: errorMessage(err) }, 'state sync failed')
    }
  }

  /** Whether this peer is the trusted peer closest to the CID (excluding `failed`). */
  private isClosestTo (cid: string, failed?: string): boolean {
    const trusted = this.peerset().filter(p => p !== failed && this.init.consensus.isTrustedPeer(p))
    return closestPeer(cid, trusted) === this.peerId
  }

  /**
   * A peer is down (its ping expired) or being removed: every pin allocated to it is re-pinned
   * without it, by the closest trusted peer only. Allocation keeps the pin's healthy holders
   * and adds new ones only while it has fewer than replication_factor_min.
   */
  async repinFromPeer (peer: string, opts: { force?: boolean } = {}): Promise<number> {
    if (this.config.disable_repinning && opts.force !== true) return 0
    let moved = 0
    try {
      const pins = this.init.consensus.list({ signal: this.stopped.signal })
      await eachLimit(pins, PINSET_WALK_CONCURRENCY, async pin => {
        if (pin.type === 'meta-pin' || isPinEverywhere(pin) || !(pin.allocations ?? []).includes(peer)) return
        // EC shard and tree pins exist only on their holders: moving a pin would make the new
        // holder look for blocks nobody has. They move with their blocks, through the EC repair.
        if (pin.erasure != null) return
        if (!this.isClosestTo(pin.cid, peer)) return
        try {
          const allocations = await this.init.allocator.allocate({
            cid: pin.cid,
            current: (pin.allocations ?? []).filter(p => p !== peer),
            rmin: pin.replication_factor_min,
            rmax: pin.replication_factor_max,
            blacklist: [peer],
            priority: []
          }, { signal: this.stopped.signal })
          if (sameSet(allocations, pin.allocations ?? [])) return
          await this.init.consensus.logPin({ ...pin, allocations, timestamp: new Date().toISOString() })
          moved++
          this.log.info({ cid: pin.cid, from: peer, allocations }, 're-allocated pin away from a failed peer')
        } catch (err) {
          this.log.error({ cid: pin.cid, peer, err: errorMessage(err) }, 'cannot re-allocate pin')
        }
      })
    } catch (err) {
      if (!this.stopped.signal.aborted) this.log.error({ peer, err: errorMessage(err) }, 'repin after peer failure failed')
    }
    return moved
  }

  /** The peerset: peers with a live ping metric, plus self, sorted. */
  peerset (): string[] {
    return [...new Set([this.peerId, ...this.init.monitor.peers()])].sort()
  }

  peernameOf (peer: string): string {
    if (peer === this.peerId) return this.config.peername
    const m = this.init.monitor.latestForPeer('ping', peer)
    try {
      return JSON.parse(m?.value ?? '{}').peer_name ?? ''
    } catch {
      return ''
    }
  }

  version (): string {
    return VERSION
  }

  async id (opts: Opts = {}): Promise<ID> {
    const peers = this.peerset()
    const ipfs = await this.init.ipfs.id(opts).catch(err => ({ addresses: null, error: errorMessage(err) }))
    return {
      id: this.peerId,
      addresses: this.init.addresses(),
      cluster_peers: peers,
      cluster_peers_addresses: await this.peerAddresses(peers),
      version: VERSION,
      commit: '',
      rpc_protocol_version: RPC_PROTOCOL,
      error: '',
      ipfs,
      peername: this.config.peername
    }
  }

  private async peerAddresses (peers: string[]): Promise<string[]> {
    const out: string[] = []
    for (const p of peers) {
      if (p !== this.peerId) out.push(...await this.init.peerAddresses(p))
    }
    return out
  }

  async * peers (opts: Opts = {}): AsyncIterable<ID> {
    for (const p of this.peerset()) {
      if (p === this.peerId) {
        yield await this.id(opts)
        continue
      }
      try {
        yield await this.init.remote.id(p, { signal: withTimeout(15_000, opts.signal) })
      } catch (err) {
        yield { id: p, error: errorMessage(err) } as ID
      }
    }
  }

  /**
   * upstream PeerAdd: with CRDT there is no membership to change; the peer's ID is fetched and
   * returned with this peer among its cluster peers.
   */
  async peerAdd (peer: string, opts: Opts = {}): Promise<ID> {
    const id = peer === this.peerId ? await this.id(opts) : await this.init.remote.id(peer, opts)
    if (!id.cluster_peers.includes(this.peerId)) id.cluster_peers = [...id.cluster_peers, this.peerId].sort()
    return id
  }

  /** upstream with CRDT: the peer's pins are moved away (unless repinning is disabled), then it fails. */
  async peerRemove (peer: string): Promise<void> {
    await this.repinFromPeer(peer)
    throw new ClusterError('crdt consensus component cannot remove peers')
  }

  private checkWritable (): void {
    if (this.config.follower_mode) throw new ClusterError(FOLLOWER_ERROR)
  }

  add (entries: AsyncIterable<AddEntry>, params: AddParams, opts: Opts = {}): AsyncIterable<AddedOutput> {
    this.checkWritable()
    // erasure adds validate synchronously: their 400s go out before the streamed response starts
    if (params.erasure) return addErasure(this.erasure, entries, params, { signal: opts.signal })
    return addContent({ cluster: this, ipfs: this.init.ipfs, remote: this.init.remote, entries, params, signal: opts.signal })
  }

  /** Allocation through the configured allocator (used by pins and adds). */
  async allocate (req: AllocationRequest, opts: Opts = {}): Promise<string[]> {
    return await this.init.allocator.allocate(req, opts)
  }

  async * pins (typeMask: number, opts: Opts = {}): AsyncIterable<Pin> {
    for await (const pin of this.init.consensus.list(opts)) {
      if ((PinTypes[pin.type] & typeMask) !== 0) yield pin
    }
  }

  async pinGet (cid: string, opts: Opts = {}): Promise<Pin> {
    return await this.init.consensus.get(normalizeCid(cid), opts)
  }

  async pin (cid: string, options: PinOptions, opts: Opts = {}): Promise<Pin> {
    this.checkWritable()
    const c = normalizeCid(cid)
    if (options.pin_update != null && options.pin_update !== c) return await this.pinUpdate(options.pin_update, c, options)
    return await this.commitPin(newPin(c, options), opts)
  }

  /** Validates, allocates and commits a pin (upstream Cluster.pin). */
  async commitPin (pin: Pin, opts: Opts = {}): Promise<Pin> {
    if (pin.replication_factor_min === 0) pin.replication_factor_min = this.config.replication_factor_min
    if (pin.replication_factor_max === 0) pin.replication_factor_max = this.config.replication_factor_max
    validateReplication(pin)
    if (!isZeroTime(pin.expire_at) && Date.parse(pin.expire_at) < Date.now()) {
      throw new InvalidArgumentError('pin.ExpireAt set to a time in the past')
    }
    const existing = await this.init.consensus.find(pin.cid, opts)
    if (existing != null) {
      if (existing.type !== pin.type) throw new ClusterError(`cannot repin CID with different tracking method, clear state with pin rm to proceed. New: ${pin.type}. Was: ${existing.type}`, 400)
      if (existing.max_depth !== 0 && pin.max_depth === 0) throw new ClusterError('cannot repin a CID which is already pinned in recursive mode (new pin is pinned as direct). Unpin it first.', 400)
    }
    pin.timestamp = new Date().toISOString()
    if (pin.type !== 'meta-pin' && (pin.allocations == null || pin.allocations.length === 0) && !isPinEverywhere(pin)) {
      pin.allocations = await this.init.allocator.allocate({
        cid: pin.cid,
        current: existing?.allocations ?? [],
        rmin: pin.replication_factor_min,
        rmax: pin.replication_factor_max,
        blacklist: [],
        priority: pin.user_allocations ?? []
      }, opts)
    }
    if (isPinEverywhere(pin)) pin.allocations = []
    pin.user_allocations = null
    await this.init.consensus.logPin(pin)
    return pin
  }

  private async pinUpdate (from: string, to: string, options: PinOptions): Promise<Pin> {
    const existing = await this.init.consensus.get(normalizeCid(from))
    if (existing.type !== 'pin') throw new ClusterError('this pin type cannot be updated', 400)
    const pin: Pin = { ...existing, cid: to, pin_update: existing.cid, timestamp: new Date().toISOString() }
    if (options.name !== '') pin.name = options.name
    if (!isZeroTime(options.expire_at) && Date.parse(options.expire_at) > Date.now()) pin.expire_at = options.expire_at
    await this.init.consensus.logPin(pin)
    return pin
  }

  async pinPath (path: string, options: PinOptions, opts: Opts = {}): Promise<Pin> {
    return await this.pin(await this.resolvePath(path, opts), options, opts)
  }

  async unpin (cid: string, opts: Opts = {}): Promise<Pin> {
    this.checkWritable()
    const pin = await this.init.consensus.get(normalizeCid(cid), opts)
    switch (pin.type) {
      case 'shard-pin':
        throw new ClusterError('cannot unpin a shard directly. Unpin content root CID instead', 500)
      case 'clusterdag-pin':
        throw new ClusterError('cannot unpin a Cluster DAG directly. Unpin content root CID instead', 500)
      case 'meta-pin':
        // its shard, tree and manifest pins go first
        if (pin.reference != null) await unpinErasureFile(this.init.consensus, pin.reference, opts)
        break
      default:
        break
    }
    await this.init.consensus.logUnpin(pin)
    return pin
  }

  async unpinPath (path: string, opts: Opts = {}): Promise<Pin> {
    return await this.unpin(await this.resolvePath(path, opts), opts)
  }

  private async resolvePath (path: string, opts: Opts): Promise<string> {
    try {
      return await this.init.ipfs.resolve(path, opts)
    } catch (err) {
      throw new ClusterError(errorMessage(err), 500)
    }
  }

  async status (cid: string, local: boolean, opts: Opts = {}): Promise<GlobalPinInfo> {
    const gpi = await this.statuses.status(normalizeCid(cid), local, opts)
    if (!local) await this.addErasureStatus(gpi, opts)
    return gpi
  }

  /** An EC file's status carries per-stripe shard health (an extra field old clients ignore). */
  private async addErasureStatus (gpi: GlobalPinInfo, opts: Opts): Promise<void> {
    let pin: Pin
    try {
      pin = await this.init.consensus.get(gpi.cid, opts)
    } catch {
      return
    }
    if (pin.type !== 'meta-pin' || pin.erasure == null) return
    try {
      gpi.erasure = await erasureStatus(this.erasure, gpi.cid, opts)
    } catch (err) {
      this.log.warn({ cid: gpi.cid, err: errorMessage(err) }, 'erasure status failed')
    }
  }

  /** ecget: an EC file's bytes (a tar stream for a directory), rebuilt where shards are lost. */
  async ecGet (cid: string, opts: Opts = {}): Promise<EcGetStream> {
    return await ecGet(this.erasure, normalizeCid(cid), opts)
  }

  /** ecrecovery: rebuilds and re-homes the lost shards of every EC file, one report per file. */
  ecRecovery (opts: EcRecoveryOpts = {}): AsyncIterable<EcRecoveryReport> {
    this.checkWritable()
    return ecRecovery(this.erasure, opts)
  }

  statusAll (filter: number, local: boolean, opts: Opts = {}): AsyncIterable<GlobalPinInfo> {
    return this.statuses.statusAll(filter, local, opts)
  }

  async recover (cid: string, local: boolean, opts: Opts = {}): Promise<GlobalPinInfo> {
    return await this.statuses.recover(normalizeCid(cid), local, opts)
  }

  recoverAll (local: boolean, opts: Opts = {}): AsyncIterable<GlobalPinInfo> {
    return this.statuses.recoverAll(local, opts)
  }

  async repoGC (local: boolean, opts: Opts = {}): Promise<GlobalRepoGC> {
    const peers = local ? [this.peerId] : this.peerset()
    const out: GlobalRepoGC = { peer_map: {} }
    for (const p of peers) {
      const entry = { peer: p, peername: this.peernameOf(p), keys: null as any, error: undefined as string | undefined }
      try {
        entry.keys = p === this.peerId ? await this.repoGCLocal(opts) : await this.init.remote.repoGC(p, opts)
      } catch (err) {
        entry.error = errorMessage(err)
      }
      if (entry.error == null) delete entry.error
      out.peer_map[p] = entry
    }
    return out
  }

  async repoGCLocal (opts: Opts = {}): Promise<Array<{ key: string, error?: string }>> {
    const keys = []
    for await (const k of this.init.ipfs.repoGC(opts)) keys.push(k)
    return keys
  }

  async bandwidthByProtocol (): Promise<BandwidthByProtocol> {
    return this.init.bandwidth()
  }

  alerts (): Alert[] {
    return this.init.monitor.alerts()
  }

  metricNames (): string[] {
    return this.init.monitor.metricNames()
  }

  latestMetrics (name: string): Metric[] {
    return this.init.monitor.latestMetrics(name)
  }

  async connectGraph (opts: Opts = {}): Promise<ConnectGraph> {
    const graph: ConnectGraph = {
      cluster_id: this.peerId,
      id_to_peername: {},
      ipfs_links: {},
      cluster_links: {},
      cluster_trust_links: {},
      cluster_to_ipfs: {}
    }
    for (const p of this.peerset()) {
      graph.id_to_peername[p] = this.peernameOf(p)
      graph.cluster_trust_links[p] = this.init.consensus.isTrustedPeer(p)
      try {
        const isSelf = p === this.peerId
        graph.cluster_links[p] = (isSelf ? this.peerset() : await this.init.remote.peers(p, opts)).filter(x => x !== p)
        const ipfsId = isSelf ? (await this.init.ipfs.id(opts)).id : JSON.parse(this.init.monitor.latestForPeer('ping', p)?.value ?? '{}').ipfs_id
        if (ipfsId != null && ipfsId !== '') {
          graph.cluster_to_ipfs[p] = ipfsId
          graph.ipfs_links[ipfsId] = isSelf ? await this.init.ipfs.swarmPeers(opts) : await this.init.remote.ipfsSwarmPeers(p, opts)
        }
      } catch (err) {
        this.log.debug({ peer: p, err: errorMessage(err) }, 'connect graph: peer did not answer')
        graph.cluster_links[p] ??= []
      }
    }
    return graph
  }
}

// Upstream's isReplicationFactorValid; its errors reach the REST client as 500s, as upstream's do.
function sameSet (a: string[], b: string[]): boolean {
  return a.length === b.length && a.every(x => b.includes(x))
}

function validateReplication (pin: Pin): void {
  const { replication_factor_min: min, replication_factor_max: max } = pin
  if (min === 0 || max === 0) throw new ClusterError('invalid replication factor: must be > 0 or -1')
  if ((min < 0 && max > 0) || (max < 0 && min > 0) || min < -1 || max < -1) {
    throw new ClusterError('invalid replication factors: rplMin and rplMax must both be -1 or greater than zero')
  }
  if (max < min) throw new ClusterError('replication_factor_max cannot be lower than replication_factor_min')
}

