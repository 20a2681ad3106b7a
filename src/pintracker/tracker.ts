// The stateless pin tracker (upstream pintracker/stateless): it keeps no pin list of its own.
// A CID's status on this peer comes from, in order: the operation in flight for it, the shared
// pinset (is it pinned at all, allocated here, a meta-pin), and the IPFS node's own pins.
import type { Logger } from 'pino'
import type { Pin, PinInfo, TrackerStatusName } from '../api/types.js'
import { TrackerStatus } from '../api/types.js'
import { isRemotePin } from '../api/pin.js'
import { errorMessage } from '../api/errors.js'
import type { IpfsConnector, IpfsPinType, PinTypeLookup } from '../ipfs/connector.js'
import type { PinTrackerConfig } from './config.js'
import { Operation } from './operation.js'
import type { OperationType } from './operation.js'
import { OperationQueue } from './queue.js'
import { Backlog } from './backlog.js'

/** Read access to the shared pinset (the consensus state). */
export interface PinsetReader {
  find (cid: string, opts?: { signal?: AbortSignal }): Promise<Pin | undefined>
  list (opts?: { signal?: AbortSignal }): AsyncIterable<Pin>
}

/** What the tracker reports about this peer besides the status. */
export interface PeerInfo {
  peer: string
  peername: () => string
  ipfsId: () => { id?: string, addresses?: string[] }
}

const UNEXPECTEDLY_UNPINNED = 'the item should be pinned but it is not'

export class StatelessPinTracker {
  private readonly cfg: PinTrackerConfig
  private readonly ipfs: IpfsConnector
  private readonly state: PinsetReader
  private readonly self: PeerInfo
  private readonly log: Logger
  private readonly ops = new Map<string, Operation>()
  private readonly pinQueue: OperationQueue
  private readonly unpinQueue: OperationQueue
  private workers?: Promise<unknown>
  private readonly backlog = new Backlog()
  private readonly stopping = new AbortController()
  private identity?: { at: number, value: { id?: string, addresses?: string[] } }

  constructor (init: { config: PinTrackerConfig, ipfs: IpfsConnector, state: PinsetReader, self: PeerInfo, logger: Logger }) {
    this.cfg = init.config
    this.ipfs = init.ipfs
    this.state = init.state
    this.self = init.self
    this.log = init.logger
    this.pinQueue = new OperationQueue('pin', this.cfg.max_pin_queue_size)
    this.unpinQueue = new OperationQueue('unpin', this.cfg.max_pin_queue_size)
  }

  start (): void {
    this.workers = Promise.all([
      this.pinQueue.run(this.cfg.concurrent_pins, async op => await this.execute(op)),
      this.unpinQueue.run(1, async op => await this.execute(op)),
      this.backlog.run(async () => { await this.walkBacklog(this.stopping.signal) }, this.stopping.signal, this.log)
    ])
  }

  async stop (): Promise<void> {
    this.stopping.abort()
    this.pinQueue.close()
    this.unpinQueue.close()
    for (const op of this.ops.values()) op.cancel()
    await this.workers
  }

  /**
   * Number of pins waiting (the pinqueue metric): the queue's length, not a walk of every
   * operation (a million of them at each metric), plus the pins left in the pinset for the
   * backlog's walk (an estimate); a cancelled pin counts until a worker drops it.
   */
  pinQueueSize (): number {
    return this.pinQueue.size + this.backlog.size
  }

  /** A pin entered or changed in the pinset: pin it here, or make sure it is not pinned when remote. */
  async track (pin: Pin): Promise<void> {
    if (pin.type === 'meta-pin') return
    if (isRemotePin(pin, this.self.peer)) {
      this.cancel(pin.cid)
      try {
        await this.ipfs.unpin(pin.cid)
      } catch (err) {
        this.log.warn({ cid: pin.cid, err: errorMessage(err) }, 'unpinning a pin that became remote')
      }
      return
    }
    this.queuePin(pin)
  }

  /**
   * Queues a pin operation, or leaves the pin to the backlog when max_queued_in_memory wait
   * (~250 bytes each with its CID: a peer joining a cluster of a million pins otherwise held an
   * operation for each). A max_pin_queue_size below it fails the pin as upstream does.
   */
  private queuePin (pin: Pin): void {
    const inMemory = this.cfg.max_queued_in_memory
    if (inMemory < this.cfg.max_pin_queue_size && this.pinQueue.size >= inMemory && !this.ops.has(pin.cid)) {
      this.backlog.defer()
      return
    }
    this.enqueue('pin', pin)
  }

  /**
   * Queues the pins left to the backlog: every pin of the pinset allocated here, not pinned
   * and without an operation, in the pinset's order; when max_queued_in_memory wait, it waits
   * until half of them are taken.
   */
  private async walkBacklog (signal: AbortSignal): Promise<void> {
    const pinType = await this.ipfs.pinTypes({ signal })
    let queued = 0
    const inMemory = this.cfg.max_queued_in_memory
    for await (const pin of this.state.list({ signal })) {
      if (this.ops.has(pin.cid) || await this.placeOf(pin, pinType) !== 'missing') continue
      if (this.pinQueue.size >= inMemory) await this.pinQueue.below(Math.ceil(inMemory / 2))
      if (this.pinQueue.isClosed) return
      if (this.ops.has(pin.cid)) continue
      this.enqueue('pin', pin)
      this.backlog.queued()
      queued++
    }
    this.log.info({ queued }, 'queued the pins left in the pinset')
  }

  /** A pin left the pinset: unpin it here. */
  untrack (cid: string, pin?: Pin): void {
    this.enqueue('unpin', pin ?? ({ cid, type: 'pin', max_depth: -1 } as Pin))
  }

  private cancel (cid: string): void {
    const op = this.ops.get(cid)
    if (op != null) {
      op.cancel()
      this.ops.delete(cid)
    }
  }

  private enqueue (type: OperationType, pin: Pin): void {
    const current = this.ops.get(pin.cid)
    if (current != null && current.type === type && current.phase !== 'error') {
      current.pin = pin
      return
    }
    const attempts = current != null && current.type === type ? current.attemptCount : 0
    this.cancel(pin.cid)
    const op = new Operation(type, pin, attempts, type === 'pin' && this.isPriority(pin, attempts))
    this.ops.set(pin.cid, op)
    try {
      ;(type === 'pin' ? this.pinQueue : this.unpinQueue).push(op)
    } catch (err) {
      op.setPhase('error', errorMessage(err))
    }
  }

  private isPriority (pin: Pin, attempts: number): boolean {
    const age = Date.now() - Date.parse(pin.timestamp)
    return age < this.cfg.priority_pin_max_age && attempts <= this.cfg.priority_pin_max_retries
  }

  private async execute (op: Operation): Promise<void> {
    op.setPhase('in_progress')
    op.attemptCount++
    try {
      if (op.type === 'pin') {
        // the operation's pin is the pinset's as of now (track() updates it with every change),
        // so the pinset is not read again (45-84 µs a pin in profiles of bench/pinset at 200k
        // and 500k pins: the pin, committed minutes before, is deep in LevelDB by then)
        await this.ipfs.pin(op.pin, { signal: op.signal })
      } else {
        await this.ipfs.unpin(op.cid, { signal: op.signal })
      }
      if (this.ops.get(op.cid) === op) this.ops.delete(op.cid)
    } catch (err) {
      if (op.cancelled) return
      op.setPhase('error', errorMessage(err))
      this.log.error({ cid: op.cid, op: op.type, err: op.error }, 'tracker operation failed')
    }
  }

  /** Status of one CID on this peer. */
  async status (cid: string, opts: { signal?: AbortSignal } = {}): Promise<PinInfo> {
    const op = this.ops.get(cid)
    let pin: Pin | undefined
    try {
      pin = await this.state.find(cid, opts)
    } catch (err) {
      return this.info(cid, undefined, 'cluster_error', errorMessage(err))
    }
    if (op != null) return this.infoOfOp(op, pin)
    if (pin == null) return this.info(cid, undefined, 'unpinned')
    try {
      return await this.classify(pin, async cid => await this.ipfs.pinLsCid(cid, opts))
    } catch (err) {
      return this.info(cid, pin, 'cluster_error', errorMessage(err))
    }
  }

  /**
   * Where a pin of the pinset stands on this peer apart from any operation: a meta-pin, another
   * peer's, pinned here, or missing here. IPFS is asked only about pins held here.
   */
  private async placeOf (pin: Pin, pinType: PinTypeLookup): Promise<'sharded' | 'remote' | 'pinned' | 'missing'> {
    if (pin.type === 'meta-pin') return 'sharded'
    if (isRemotePin(pin, this.self.peer)) return 'remote'
    return isPinnedForDepth(await pinType(pin.cid), pin.max_depth) ? 'pinned' : 'missing'
  }

  /** The status of a pin no operation is working on. */
  private async classify (pin: Pin, pinType: PinTypeLookup): Promise<PinInfo> {
    const place = await this.placeOf(pin, pinType)
    if (place !== 'missing') return this.info(pin.cid, pin, place)
    // while pins wait in the pinset, one not pinned yet is one of them
    if (this.backlog.active) return this.info(pin.cid, pin, 'pin_queued')
    return this.info(pin.cid, pin, 'unexpectedly_unpinned', UNEXPECTEDLY_UNPINNED)
  }

  /** Status of every pin of the pinset (and every operation) matching the filter bitmask. */
  async * statusAll (filter: number, opts: { signal?: AbortSignal } = {}): AsyncIterable<PinInfo> {
    const matches = (s: TrackerStatusName): boolean => filter === 0 || (TrackerStatus[s] & filter) !== 0
    const needsIpfs = filter === 0 || (filter & (TrackerStatus.pinned | TrackerStatus.unexpectedly_unpinned | TrackerStatus.sharded | TrackerStatus.remote)) !== 0 ||
      // queued pins include those waiting in the pinset
      (this.backlog.active && (filter & TrackerStatus.pin_queued) !== 0)
    if (!needsIpfs) {
      for (const op of [...this.ops.values()]) {
        const info = this.infoOfOp(op, op.pin)
        if (matches(info.status)) yield info
      }
      return
    }
    const pinType = await this.ipfs.pinTypes(opts)
    // Entries come in CID order (the state's order in the datastore), so that the cluster can
    // merge the streams of every peer without holding them: the operations on CIDs that left
    // the pinset (unpins in flight or failed) are slotted in at their place.
    const opCids = [...this.ops.keys()].sort()
    let o = 0
    const orphansBefore = function * (this: StatelessPinTracker, cid: string | undefined): Generator<PinInfo> {
      for (; o < opCids.length && (cid === undefined || opCids[o] <= cid); o++) {
        if (opCids[o] === cid) continue
        const op = this.ops.get(opCids[o])
        if (op == null) continue
        const info = this.infoOfOp(op, undefined)
        if (matches(info.status)) yield info
      }
    }
    for await (const pin of this.state.list(opts)) {
      yield * orphansBefore.call(this, pin.cid)
      const op = this.ops.get(pin.cid)
      const info = op != null ? this.infoOfOp(op, pin) : await this.classify(pin, pinType)
      if (matches(info.status)) yield info
    }
    yield * orphansBefore.call(this, undefined)
  }

  /** Re-queues a failed or lost pin; returns the status after doing so. */
  async recover (cid: string, opts: { signal?: AbortSignal } = {}): Promise<PinInfo> {
    const info = await this.status(cid, opts)
    await this.recoverInfo(info)
    return await this.status(cid, opts)
  }

  /**
   * Re-queues every failed or lost pin as the pinset is walked; yields only those it re-queued.
   * Streamed: re-queuing a CID changes only that CID's operation, never one the walk has yet to
   * reach, so nothing is collected first (a whole pinset's PinInfos at 1M pins).
   */
  async * recoverAll (opts: { signal?: AbortSignal } = {}): AsyncIterable<PinInfo> {
    const filter = TrackerStatus.pin_error | TrackerStatus.unpin_error | TrackerStatus.unexpectedly_unpinned
    for await (const info of this.statusAll(filter, opts)) {
      if (await this.recoverInfo(info)) yield await this.status(info.cid, opts)
    }
  }

  private async recoverInfo (info: PinInfo): Promise<boolean> {
    if (info.status === 'pin_error' || info.status === 'unexpectedly_unpinned') {
      const pin = await this.state.find(info.cid).catch(() => undefined)
      if (pin === undefined) return false
      this.queuePin(pin)
      return true
    }
    if (info.status === 'unpin_error') {
      this.enqueue('unpin', this.ops.get(info.cid)?.pin ?? ({ cid: info.cid } as Pin))
      return true
    }
    return false
  }

  private infoOfOp (op: Operation, pin: Pin | undefined): PinInfo {
    const info = this.info(op.cid, pin ?? (op.type === 'pin' ? op.pin : undefined), op.status(), op.error)
    info.timestamp = op.timestamp
    info.attempt_count = op.attemptCount
    info.priority_pin = op.priority
    return info
  }

  /** this peer's IPFS id and addresses, looked up at most once a second (status of a whole pinset) */
  private ipfsIdentity (): { id?: string, addresses?: string[] } {
    const now = Date.now()
    if (this.identity === undefined || now - this.identity.at > 1000) this.identity = { at: now, value: this.self.ipfsId() }
    return this.identity.value
  }

  private info (cid: string, pin: Pin | undefined, status: TrackerStatusName, error = ''): PinInfo {
    const ipfs = this.ipfsIdentity()
    const info: PinInfo = {
      cid,
      name: pin?.name ?? '',
      peer: this.self.peer,
      allocations: pin?.allocations ?? null,
      origins: pin?.origins ?? null,
      created: pin?.timestamp ?? '0001-01-01T00:00:00Z',
      metadata: pin?.metadata ?? null,
      peername: this.self.peername(),
      status,
      timestamp: new Date().toISOString(),
      error,
      attempt_count: 0,
      priority_pin: false
    }
    if (ipfs.id != null) info.ipfs_peer_id = ipfs.id
    if (ipfs.addresses != null && ipfs.addresses.length > 0) info.ipfs_peer_addresses = ipfs.addresses
    return info
  }
}

/** Upstream IPFSPinStatus.IsPinned: recursive satisfies every depth, direct only depth 0. */
export function isPinnedForDepth (type: IpfsPinType | undefined, maxDepth: number): boolean {
  if (type === 'recursive') return true
  if (type === 'direct') return maxDepth === 0
  return false
}
