// The Merkle-CRDT key-value store (go-ds-crdt's Datastore, trimmed to what the cluster uses):
// local changes become delta blocks linked to the current heads; heads are announced on the
// topic; announced heads of trusted peers are fetched from their announcer down to known
// deltas and merged into the OR-set. Keys must not contain "/".
import type { Datastore } from 'interface-datastore'
import { decodeBroadcast, encodeBroadcast } from './broadcast-codec.js'
import { DeltaDag } from './dag.js'
import type { BranchEntry } from './dag.js'
import { encodeDelta, equalBytes, isValidKey, MAX_DELTA_SIZE } from './delta.js'
import type { Delta, Element, Tombstone } from './delta.js'
import { ConsensusClosedError } from './errors.js'
import { Heads } from './heads.js'
import type { BroadcastMessage, Broadcaster, ConsensusLogger, DeltaFetcher } from './interfaces.js'
import { CrdtKeys } from './keys.js'
import { ORSet } from './orset.js'
import type { Change, KeyState } from './orset.js'
import { Serial } from './serial.js'

export type Op =
  | { type: 'put', key: string, value: Uint8Array }
  | { type: 'delete', key: string }

export interface MerkleCrdtInit {
  datastore: Datastore
  namespace: string
  broadcaster?: Broadcaster
  fetcher?: DeltaFetcher
  isTrusted: (peer: string) => boolean
  /** called, in order, for every change of a visible value */
  onChange: (change: Change) => Promise<void>
  logger: ConsensusLogger
  /** ms between head re-announcements (randomised by up to +10 %) */
  rebroadcastInterval: number
  /** ms between repair runs; 0 = never */
  repairInterval: number
  /** ms allowed to fetch one delta */
  fetchTimeout: number
}

export interface CrdtInfo {
  heads: string[]
  maxHeight: number
  dirty: boolean
}

const EMPTY = new Uint8Array(0)
/** Deltas merged per hold of the lock while catching up, and changed keys per hook round. */
const MERGE_CHUNK = 64
const MERGE_CHUNK_KEYS = 20_000

export class MerkleCrdt {
  private readonly init: MerkleCrdtInit
  private readonly ds: Datastore
  private readonly keys: CrdtKeys
  private readonly set: ORSet
  private readonly dag: DeltaDag
  private readonly heads: Heads
  private readonly lock = new Serial()
  private readonly inflight = new Map<string, Promise<void>>()
  /** heads waiting for the worker of their announcer (head → resolves its processHead) */
  private readonly headQueues = new Map<string, Map<string, () => void>>()
  private readonly headWorkers = new Map<string, Promise<void>>()
  /** timer-started work (rebroadcast, repair, retries) that stop() must wait for */
  private readonly background = new Set<Promise<unknown>>()
  /** heads other peers announced since the last rebroadcast: no need to repeat them */
  private seenHeads = new Set<string>()
  private running = false
  /** the persisted dirty mark: the whole DAG is merged again at the next repair */
  private dirty = false
  /** announced heads whose processing failed (cid → announcer), persisted under /q */
  private readonly pending = new Map<string, string>()
  private abort = new AbortController()
  private unsubscribe?: () => void
  private rebroadcastTimer?: NodeJS.Timeout
  private repairTimer?: NodeJS.Timeout

  constructor (init: MerkleCrdtInit) {
    this.init = init
    this.ds = init.datastore
    this.keys = new CrdtKeys(init.namespace)
    this.set = new ORSet(this.ds, this.keys)
    this.dag = new DeltaDag(this.ds, this.keys)
    this.heads = new Heads(this.ds, this.keys)
  }

  async start (): Promise<void> {
    if (this.running) return
    await this.heads.load()
    this.dirty = await this.ds.has(this.keys.dirty())
    this.pending.clear()
    const prefix = this.keys.pendingPrefix()
    for await (const { key, value } of this.ds.query({ prefix })) {
      this.pending.set(CrdtKeys.tail(key, prefix), new TextDecoder().decode(value))
    }
    this.abort = new AbortController()
    this.running = true
    if (this.init.broadcaster !== undefined) {
      this.unsubscribe = this.init.broadcaster.subscribe(msg => {
        this.handleBroadcast(msg).catch(err => this.init.logger.error(`crdt: handling broadcast: ${String(err)}`))
      })
      this.scheduleRebroadcast()
      // a peer in a cluster merges and commits new keys: their reads skip LevelDB once the
      // stored keys are listed (the offline state commands only read what is stored: a listing
      // would add to their time)
      const { signal } = this.abort
      this.inBackground('listing the state for the read filter', this.set.filterReads({ signal }).catch(err => { if (!signal.aborted) throw err }))
    }
    if (this.init.repairInterval > 0) {
      this.repairTimer = setInterval(() => { this.inBackground('repair', this.repair()) }, this.init.repairInterval)
      this.repairTimer.unref()
    }
    // heads that failed before a restart are retried now rather than at the first repair tick
    if (this.init.fetcher !== undefined && this.pending.size > 0) this.inBackground('retrying pending heads', this.retryPending())
  }

  private inBackground (what: string, task: Promise<unknown>): void {
    const p = task.catch(err => { this.init.logger.warn(`crdt: ${what}: ${String(err)}`) })
    this.background.add(p)
    void p.finally(() => this.background.delete(p))
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    this.unsubscribe?.()
    this.unsubscribe = undefined
    clearTimeout(this.rebroadcastTimer)
    clearInterval(this.repairTimer)
    this.abort.abort(new ConsensusClosedError())
    await Promise.allSettled([...this.inflight.values(), ...this.headWorkers.values(), ...this.background])
    await this.lock.idle()
  }

  get isRunning (): boolean {
    return this.running
  }

  async get (key: string): Promise<Uint8Array | undefined> {
    return await this.set.get(key)
  }

  async has (key: string): Promise<boolean> {
    return await this.set.has(key)
  }

  entries (opts: { signal?: AbortSignal } = {}): AsyncGenerator<{ key: string, value: Uint8Array }> {
    return this.set.entries(opts)
  }

  async getBlock (cid: string): Promise<Uint8Array | undefined> {
    return await this.dag.getBlock(cid)
  }

  info (): CrdtInfo {
    return { heads: this.heads.list(), maxHeight: this.heads.maxHeight(), dirty: this.dirty || this.pending.size > 0 }
  }

  /**
   * Commits operations as one delta (several when they exceed MAX_DELTA_SIZE), applies it
   * locally and announces the new head. Within the call the last operation on a key wins.
   * Returns the CIDs of the new deltas (none when nothing changes).
   */
  async commit (ops: Op[]): Promise<string[]> {
    if (!this.running) throw new ConsensusClosedError()
    for (const op of ops) if (!isValidKey(op.key)) throw new Error(`invalid crdt key ${JSON.stringify(op.key)}`)
    const created = await this.lock.run(async () => {
      const last = new Map<string, Op>()
      for (const op of ops) {
        last.delete(op.key)
        last.set(op.key, op)
      }
      const chunks: Array<{ elements: Element[], tombstones: Tombstone[] }> = []
      let chunk = { elements: [] as Element[], tombstones: [] as Tombstone[] }
      let size = 0
      // a put tombstones the values it supersedes too, which keeps the element store small;
      // the reads of different keys run together
      const known = await this.set.readKeys([...last.keys()])
      for (const [key, op] of last) {
        const tombs = known.get(key)!.stored.map(([id]) => ({ key, id }))
        if (op.type === 'delete' && tombs.length === 0) continue
        const opSize = key.length * (tombs.length + 1) + tombs.length * 64 + (op.type === 'put' ? op.value.length : 0)
        if (size > 0 && size + opSize > MAX_DELTA_SIZE) {
          chunks.push(chunk)
          chunk = { elements: [], tombstones: [] }
          size = 0
        }
        chunk.tombstones.push(...tombs)
        if (op.type === 'put') chunk.elements.push({ key, value: op.value })
        size += opSize
      }
      if (size > 0) chunks.push(chunk)
      const cids: string[] = []
      for (const c of chunks) {
        cids.push(await this.addLocalDelta({ ...c, priority: this.heads.maxHeight() + 1, links: this.heads.list() }, known))
      }
      return cids
    })
    if (created.length > 0) await this.publishHeads(this.heads.list())
    return created
  }

  private async addLocalDelta (delta: Delta, known: Map<string, KeyState>): Promise<string> {
    const block = await encodeDelta(delta)
    // block, state, processed mark and heads in one batch: a crash keeps all or none of them
    const batch = this.ds.batch()
    batch.put(this.keys.block(block.cid), block.bytes)
    const changes = await this.set.merge(delta, block.cid, batch, known)
    batch.put(this.keys.processed(block.cid), EMPTY)
    this.heads.stage(batch, block.cid, delta.priority, delta.links)
    await batch.commit()
    this.heads.apply(block.cid, delta.priority, delta.links)
    await this.fireHooks(changes)
    return block.cid
  }

  private async mergeDelta (cid: string, delta: Delta): Promise<Change[]> {
    const batch = this.ds.batch()
    const changes = await this.set.merge(delta, cid, batch)
    await batch.commit()
    return changes
  }

  /**
   * Merges many deltas and fires hooks for the net change of each key only: catching up on a
   * long history must not make the tracker pin what a later delta unpins.
   */
  private async mergeMany (deltas: Iterable<{ cid: string, delta: Delta }> | AsyncIterable<{ cid: string, delta: Delta }>): Promise<void> {
    const net = new Map<string, Change>()
    for await (const { cid, delta } of deltas) {
      for (const c of await this.mergeDelta(cid, delta)) {
        const first = net.get(c.key)
        net.set(c.key, { key: c.key, value: c.value, previous: first === undefined ? c.previous : first.previous })
      }
    }
    await this.fireHooks([...net.values()].filter(c => !equalBytes(c.value, c.previous)))
  }

  private async fireHooks (changes: Change[]): Promise<void> {
    for (const change of changes) {
      try {
        await this.init.onChange(change)
      } catch (err) {
        this.init.logger.error(`crdt: hook for ${change.key}: ${String(err)}`)
      }
    }
  }

  /** Processes a head announcement. Untrusted senders are ignored. */
  async handleBroadcast (msg: BroadcastMessage): Promise<void> {
    if (!this.running) return
    if (!this.init.isTrusted(msg.from)) {
      this.init.logger.debug(`crdt: ignoring broadcast from untrusted peer ${msg.from}`)
      return
    }
    let heads: string[]
    try {
      heads = decodeBroadcast(msg.data)
    } catch (err) {
      this.init.logger.warn(`crdt: bad broadcast from ${msg.from}: ${String(err)}`)
      return
    }
    for (const h of heads) this.seenHeads.add(h)
    await Promise.all(heads.map(async h => { await this.processHead(h, msg.from) }))
  }

  /** Fetches the branch under an announced head from its announcer and merges it. */
  private async processHead (head: string, from: string): Promise<void> {
    if (this.heads.has(head)) return
    const running = this.inflight.get(head)
    if (running !== undefined) return await running
    // The heads one peer announces are processed by one worker per peer. Heads announced while
    // it works are taken together by its next round: one walk (and one branch request) for
    // all of them, which the newest usually covers. A burst of announcements (one per delta)
    // thus never costs a round trip per head, and never starts walks over the same not yet
    // merged chain. Peers do not wait on each other, so a fetch stuck on an unreachable peer
    // holds up only its heads.
    let queue = this.headQueues.get(from)
    if (queue === undefined) this.headQueues.set(from, queue = new Map())
    let done!: () => void
    const job = new Promise<void>(resolve => { done = resolve })
    queue.set(head, done)
    this.inflight.set(head, job)
    if (!this.headWorkers.has(from)) {
      const worker = this.headWorker(from).finally(() => { this.headWorkers.delete(from) })
      this.headWorkers.set(from, worker)
    }
    try {
      await job
    } finally {
      this.inflight.delete(head)
    }
  }

  private async headWorker (from: string): Promise<void> {
    const queue = this.headQueues.get(from)
    while (queue !== undefined && queue.size > 0) {
      const round = [...queue]
      queue.clear()
      try {
        await this.processHeads(round.map(([h]) => h), from)
      } finally {
        for (const [, done] of round) done()
      }
    }
    if (queue?.size === 0) this.headQueues.delete(from)
  }

  /** Fetches the branches under heads announced by `from` and merges them. */
  private async processHeads (announced: string[], from: string): Promise<void> {
    const roots: string[] = []
    try {
      for (const h of announced) if (!this.heads.has(h) && !(await this.dag.isProcessed(h))) roots.push(h)
      if (roots.length === 0) return
      // recorded before the work: a restart in the middle of a catch-up resumes it (the
      // fetched blocks and the deltas merged so far are kept; see applyBranch)
      const batch = this.ds.batch()
      for (const h of roots) if (!this.pending.has(h)) batch.put(this.keys.pending(h), new TextEncoder().encode(from))
      await batch.commit()
      const branch = await this.dag.fetchBranch(roots, from, this.init.fetcher, { signal: this.abort.signal, timeout: this.init.fetchTimeout })
      await this.applyBranch(branch)
      const done = this.ds.batch()
      for (const h of roots) {
        done.delete(this.keys.pending(h))
        this.pending.delete(h)
      }
      await done.commit()
      await this.prunePending()
    } catch (err) {
      if (!this.running) return
      this.init.logger.warn(`crdt: processing heads ${roots.join(', ')} from ${from}: ${String(err)}`)
      // kept to be retried at the next repair or start; what was merged stays merged
      for (const h of roots) this.pending.set(h, from)
    }
  }

  /**
   * Merges the deltas of a fetched branch (all local now) in the order given (lowest priority
   * first: every delta after those it links to), one datastore batch per delta holding its
   * changes, its processed mark and the heads it changes, so the processed marks stay closed
   * downward and a crash or restart at any point loses nothing and merges nothing twice.
   * The lock is held MERGE_CHUNK deltas at a time; hooks fire per chunk for the net change of
   * each key (a key pinned then unpinned within the chunk fires nothing), and memory holds
   * one chunk's changes, never the whole branch.
   */
  private async applyBranch (branch: BranchEntry[]): Promise<void> {
    for (let i = 0; i < branch.length;) {
      this.abort.signal.throwIfAborted()
      i = await this.lock.run(async () => {
        const net = new Map<string, Change>()
        let n = i
        for (; n < branch.length && n - i < MERGE_CHUNK && net.size < MERGE_CHUNK_KEYS; n++) {
          const { cid } = branch[n]
          if (await this.dag.isProcessed(cid)) continue
          const delta = await this.dag.getDelta(cid)
          if (delta === undefined) throw new Error(`delta ${cid} missing from the local DAG`)
          const batch = this.ds.batch()
          const changes = await this.set.merge(delta, cid, batch)
          batch.put(this.keys.processed(cid), EMPTY)
          const replaced = delta.links.filter(l => this.heads.has(l))
          this.heads.stage(batch, cid, delta.priority, replaced)
          await batch.commit()
          this.heads.apply(cid, delta.priority, replaced)
          for (const c of changes) {
            const first = net.get(c.key)
            net.set(c.key, { key: c.key, value: c.value, previous: first === undefined ? c.previous : first.previous })
          }
        }
        await this.fireHooks([...net.values()].filter(c => !equalBytes(c.value, c.previous)))
        return n
      })
    }
  }

  /** The blocks this peer has of the branches under roots (served to peers catching up). */
  branchBlocks (roots: string[], max: number, opts: { signal?: AbortSignal } = {}): AsyncGenerator<{ cid: string, bytes: Uint8Array }> {
    return this.dag.branchBlocks(roots, max, opts)
  }

  private async publishHeads (heads: string[]): Promise<void> {
    if (this.init.broadcaster === undefined || heads.length === 0) return
    try {
      await this.init.broadcaster.publish(encodeBroadcast(heads))
    } catch (err) {
      this.init.logger.warn(`crdt: broadcasting heads: ${String(err)}`)
    }
  }

  private scheduleRebroadcast (): void {
    const delay = this.init.rebroadcastInterval * (1 + Math.random() * 0.1)
    this.rebroadcastTimer = setTimeout(() => {
      if (!this.running) return
      const heads = this.heads.list().filter(h => !this.seenHeads.has(h))
      this.seenHeads = new Set()
      this.inBackground('rebroadcast', this.publishHeads(heads).finally(() => { if (this.running) this.scheduleRebroadcast() }))
    }, delay)
    this.rebroadcastTimer.unref()
  }

  /** Forgets failed heads that a later branch brought in. */
  private async prunePending (): Promise<void> {
    for (const cid of [...this.pending.keys()]) {
      if (await this.dag.isProcessed(cid)) {
        await this.ds.delete(this.keys.pending(cid))
        this.pending.delete(cid)
      }
    }
  }

  private async retryPending (): Promise<void> {
    await this.prunePending()
    await Promise.all([...this.pending].map(async ([cid, from]) => { await this.processHead(cid, from) }))
  }

  /**
   * Retries heads whose processing failed; then, if the store is marked dirty, merges every
   * delta of the DAG again (idempotent) to rebuild the set, and marks the store clean.
   */
  async repair (): Promise<void> {
    if (!this.running) return
    await this.retryPending()
    if (!this.dirty || this.pending.size > 0) return
    await this.lock.run(async () => {
      await this.mergeMany(this.dag.walk(this.heads.list()))
    })
    await this.setDirty(false)
  }

  async setDirty (dirty: boolean): Promise<void> {
    if (dirty) await this.ds.put(this.keys.dirty(), EMPTY)
    else await this.ds.delete(this.keys.dirty())
    this.dirty = dirty
  }

  /** Deletes everything under the namespace: state, DAG, heads. Hooks are not called. */
  async clean (): Promise<void> {
    await this.lock.run(async () => {
      // deleted as they are listed (the iterator reads a snapshot), never all held at once
      let batch = this.ds.batch()
      let n = 0
      for await (const k of this.ds.queryKeys({ prefix: this.keys.root() })) {
        batch.delete(k)
        if (++n % 1000 === 0) {
          await batch.commit()
          batch = this.ds.batch()
        }
      }
      await batch.commit()
      this.heads.clear()
      this.pending.clear()
      this.dirty = false
    })
  }
}
