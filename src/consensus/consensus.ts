// The consensus component of the cluster (upstream consensus/crdt): the shared pinset as a
// Merkle-CRDT. Pins are keyed by CID; the put/delete hooks are the only way pins reach the
// pin tracker, for local pins as for remote ones.
import type { Datastore } from 'interface-datastore'
import { NotFoundError } from '../api/errors.js'
import type { Pin } from '../api/types.js'
import { Batcher } from './batcher.js'
import { batchingEnabled } from './config.js'
import type { CrdtConfig } from './config.js'
import { MerkleCrdt } from './crdt.js'
import type { CrdtInfo, Op } from './crdt.js'
import type { AbortOptions, BroadcastMessage, Broadcaster, ConsensusHooks, ConsensusLogger, DeltaFetcher, PinListFilter } from './interfaces.js'
import { decodePin, encodePin, isErasureEncoded, mayExpire } from './pin-codec.js'
import { ConsensusClosedError } from './errors.js'

const LOG_PINS_CHUNK = 5000
/** blocks served per branch request at most */
const MAX_BRANCH_BLOCKS = 4096

/** upstream's DAG-syncer timeout */
export const DEFAULT_FETCH_TIMEOUT = 120_000

export interface CrdtConsensusInit {
  config: CrdtConfig
  /** the peer's datastore; the component keeps to config.datastoreNamespace in it */
  datastore: Datastore
  selfId: string
  /** absent = offline (the `state` commands): no announcements, no fetching */
  broadcaster?: Broadcaster
  fetcher?: DeltaFetcher
  hooks: ConsensusHooks
  logger: ConsensusLogger
  /** ms allowed to fetch one delta from a peer */
  fetchTimeout?: number
}

export class CrdtConsensus {
  private readonly config: CrdtConfig
  private readonly selfId: string
  private readonly logger: ConsensusLogger
  private readonly trusted: Set<string>
  private readonly crdt: MerkleCrdt
  private readonly batcher: Batcher

  constructor (init: CrdtConsensusInit) {
    this.config = init.config
    this.selfId = init.selfId
    this.logger = init.logger
    this.trusted = new Set(init.config.trustedPeers)
    const hooks = init.hooks
    this.crdt = new MerkleCrdt({
      datastore: init.datastore,
      namespace: init.config.datastoreNamespace,
      broadcaster: init.broadcaster,
      fetcher: init.fetcher,
      isTrusted: peer => this.isTrustedPeer(peer),
      logger: init.logger,
      rebroadcastInterval: init.config.rebroadcastInterval,
      repairInterval: init.config.repairInterval,
      fetchTimeout: init.fetchTimeout ?? DEFAULT_FETCH_TIMEOUT,
      onChange: async ({ key, value }) => {
        if (value === undefined) {
          await hooks.onDelete(key)
          return
        }
        let pin: Pin
        try {
          pin = decodePin(value)
        } catch (err) {
          this.logger.error(`crdt: undecodable pin for ${key}: ${String(err)}`)
          return
        }
        await hooks.onPut(pin)
      }
    })
    // batching off: group commit (operations arriving during a commit share the next delta)
    const batching = batchingEnabled(init.config) ? init.config.batching : { ...init.config.batching, maxBatchSize: 0, maxBatchAge: 0 }
    this.batcher = new Batcher({
      ...batching,
      commit: async ops => await this.crdt.commit(ops),
      logger: init.logger
    })
  }

  async start (): Promise<void> {
    await this.crdt.start()
  }

  /** Commits pending batched operations, then stops processing. */
  async stop (): Promise<void> {
    await this.batcher.flush()
    await this.crdt.stop()
  }

  /**
   * Adds or updates a pin. Returns once the delta holding it is committed (with batching on,
   * after max_batch_size / max_batch_age); a failed commit fails every operation of its batch.
   */
  async logPin (pin: Pin): Promise<void> {
    await this.apply({ type: 'put', key: pin.cid, value: encodePin(pin) })
  }

  /** Removes a pin (no-op when absent); returns once committed, as logPin. */
  async logUnpin (pin: Pin): Promise<void> {
    await this.apply({ type: 'delete', key: pin.cid })
  }

  private async apply (op: Op): Promise<void> {
    if (!this.crdt.isRunning) throw new ConsensusClosedError()
    await this.batcher.add(op)
  }

  /**
   * Commits every pin (state import): deltas of up to 1 MiB, committed LOG_PINS_CHUNK pins at
   * a time so that a big import is never held in memory whole.
   */
  async logPins (pins: Iterable<Pin> | AsyncIterable<Pin>): Promise<number> {
    let ops: Op[] = []
    let n = 0
    for await (const pin of pins) {
      ops.push({ type: 'put', key: pin.cid, value: encodePin(pin) })
      n++
      if (ops.length >= LOG_PINS_CHUNK) {
        await this.crdt.commit(ops)
        ops = []
      }
    }
    if (ops.length > 0) await this.crdt.commit(ops)
    return n
  }

  async get (cid: string): Promise<Pin> {
    const pin = await this.find(cid)
    if (pin === undefined) throw new NotFoundError()
    return pin
  }

  async find (cid: string): Promise<Pin | undefined> {
    const v = await this.crdt.get(cid)
    return v === undefined ? undefined : decodePin(v)
  }

  async has (cid: string): Promise<boolean> {
    return await this.crdt.has(cid)
  }

  /** Every pin of the pinset in CID order, or those `only` names (see PinListFilter). */
  async * list (opts: AbortOptions & PinListFilter = {}): AsyncGenerator<Pin> {
    const where = opts.only === undefined ? undefined : opts.only === 'expiring' ? mayExpire : isErasureEncoded
    for await (const { key, value } of this.crdt.entries(opts)) {
      try {
        if (where !== undefined && !where(value)) continue
        yield decodePin(value)
      } catch (err) {
        this.logger.error(`crdt: undecodable pin for ${key}: ${String(err)}`)
      }
    }
  }

  isTrustedPeer (peer: string): boolean {
    return this.config.trustAll || peer === this.selfId || this.trusted.has(peer)
  }

  trust (peer: string): void {
    this.trusted.add(peer)
  }

  distrust (peer: string): void {
    this.trusted.delete(peer)
  }

  /** Entry point of head announcements (what the Broadcaster subscription calls). */
  async handleBroadcast (msg: BroadcastMessage): Promise<void> {
    await this.crdt.handleBroadcast(msg)
  }

  /** Serves a delta block to a peer fetching it (the RPC side of DeltaFetcher). */
  async getDelta (cid: string): Promise<Uint8Array | undefined> {
    return await this.crdt.getBlock(cid)
  }

  /** Serves the blocks of the branches under roots, breadth-first, at most max (DeltaFetcher.fetchBranch). */
  deltaBranch (roots: string[], max: number, opts: AbortOptions = {}): AsyncIterable<{ cid: string, bytes: Uint8Array }> {
    return this.crdt.branchBlocks(roots, Math.min(max, MAX_BRANCH_BLOCKS), opts)
  }

  info (): CrdtInfo {
    return this.crdt.info()
  }

  /** `state crdt mark-dirty` / `mark-clean`: a dirty store is repaired at the next repair run. */
  async markDirty (dirty: boolean): Promise<void> {
    await this.crdt.setDirty(dirty)
  }

  async repair (): Promise<void> {
    await this.crdt.repair()
  }

  /** Deletes every key under the namespace (state, DAG, heads). */
  async clean (): Promise<void> {
    await this.crdt.clean()
  }
}
