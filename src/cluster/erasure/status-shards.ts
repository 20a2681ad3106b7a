// Loss from cluster state (EC rule 3): a shard is lost when its holder left the peerset (ping
// expired) or the holder's tracker says the shard pin is not pinned (or cannot be asked).
// A shard still queued or being pinned is NOT lost: it has not arrived yet, and is read like a
// healthy one (a fetch that then fails counts, see get-fetch.ts). Nor is a shard whose holder
// is slow to answer when the caller cannot wait (ecget): "slow", read last, never repaired.
import type { LostShardInfo, PinInfo, ShardLossReason, TrackerStatusName } from '../../api/types.js'
import type { Manifest } from '../../erasure/types.js'
import type { Signalled } from '../components.js'
import type { ErasureContext } from './context.js'
import type { EcFile } from './status-files.js'
import { shardKey } from './status-files.js'
import { missingOn } from './get-fetch.js'
import { withTimeout } from '../../common/signal.js'
import { errorMessage } from '../../api/errors.js'
import { mapLimit } from '../../common/map-limit.js'

const STATUS_TIMEOUT = 15_000
const STATUS_CONCURRENCY = 8

/**
 * What a holder's tracker status means for a shard. 'slow': the holder did not answer within the
 * caller's patience (a frozen or overloaded peer): its shards are read last, not repaired.
 */
export type HolderVerdict = 'healthy' | 'pending' | 'slow' | ShardLossReason

const LOST_STATUSES: TrackerStatusName[] = ['pin_error', 'unexpectedly_unpinned', 'unpinned', 'unpin_queued', 'unpinning', 'unpin_error']

export function verdictOf (status: TrackerStatusName): HolderVerdict {
  if (status === 'pinned') return 'healthy'
  if (status === 'cluster_error') return 'unreachable'
  if (LOST_STATUSES.includes(status)) return 'unpinned'
  // queued, pinning, remote (the holder's state lags behind an allocation change), sharded
  return 'pending'
}

/**
 * Asks holders' trackers, once per (holder, CID). `bulk` preloads each holder's whole status
 * list with one streamed call (ecrecovery over every file); otherwise one call per shard.
 * `patience` (ms): a holder that has not answered by then is 'slow' (ecget, which would
 * otherwise wait out a frozen peer's RPC timeouts before reading a byte); without it, a holder
 * that cannot be asked is 'unreachable' (repair, status).
 */
export class HolderStatus {
  private readonly ctx: ErasureContext
  private readonly live: Set<string>
  private readonly bulk: Map<string, Promise<Map<string, PinInfo> | Error>> = new Map()
  private readonly useBulk: boolean
  private readonly patience?: number
  /** holders that ran out of patience */
  readonly slow = new Set<string>()
  /** holders that answered at least once */
  private readonly answered = new Set<string>()
  private readonly deadlines = new Map<string, AbortController>()
  /** holders whose failed read was logged: once per run, not once per shard */
  private readonly unreadable = new Set<string>()

  constructor (ctx: ErasureContext, opts: { bulk?: boolean, patience?: number } = {}) {
    this.ctx = ctx
    this.live = new Set(ctx.peerset())
    this.useBulk = opts.bulk === true
    this.patience = opts.patience
  }

  isLive (peer: string): boolean {
    return this.live.has(peer)
  }

  async verdict (holder: string | undefined, cid: string, opts: Signalled = {}): Promise<HolderVerdict> {
    if (holder == null || holder === '' || !this.live.has(holder)) return 'down'
    if (this.slow.has(holder)) return 'slow'
    const patience = this.patienceSignal(holder)
    try {
      const signal = patience == null ? opts.signal : opts.signal == null ? patience : AbortSignal.any([patience, opts.signal])
      const info = this.useBulk ? await this.fromBulk(holder, cid, { signal }) : await this.one(holder, cid, { signal })
      this.answered.add(holder)
      if (info == null) return 'pending'
      return verdictOf(info.status)
    } catch (err) {
      opts.signal?.throwIfAborted()
      if (this.slow.has(holder)) return 'slow'
      if (!this.unreadable.has(holder)) {
        this.unreadable.add(holder)
        this.ctx.logger.warn({ holder, cid, err: errorMessage(err) }, 'erasure: a holder\'s status could not be read')
      }
      return 'unreachable'
    }
  }

  /**
   * Aborted when `holder` has answered nothing within the patience from the first question
   * (it is then 'slow' for the rest of this run); undefined when there is no patience to lose.
   */
  private patienceSignal (holder: string): AbortSignal | undefined {
    if (this.patience == null || holder === this.ctx.peerId || this.answered.has(holder)) return undefined
    let deadline = this.deadlines.get(holder)
    if (deadline == null) {
      const ctl = new AbortController()
      deadline = ctl
      this.deadlines.set(holder, ctl)
      setTimeout(() => {
        if (this.answered.has(holder)) return
        this.slow.add(holder)
        ctl.abort()
      }, this.patience).unref()
    }
    return deadline.signal
  }

  private async one (holder: string, cid: string, opts: Signalled): Promise<PinInfo> {
    const signal = withTimeout(STATUS_TIMEOUT, opts.signal)
    return holder === this.ctx.peerId ? await this.ctx.tracker.status(cid, { signal }) : await this.ctx.remote.status(holder, cid, { signal })
  }

  private async fromBulk (holder: string, cid: string, opts: Signalled): Promise<PinInfo | undefined> {
    let p = this.bulk.get(holder)
    if (p == null) {
      p = this.loadAll(holder, opts).catch(err => err as Error)
      this.bulk.set(holder, p)
    }
    const all = await p
    if (all instanceof Error) throw all
    return all.get(cid)
  }

  private async loadAll (holder: string, opts: Signalled): Promise<Map<string, PinInfo>> {
    const out = new Map<string, PinInfo>()
    const src = holder === this.ctx.peerId ? this.ctx.tracker.statusAll(0, opts) : this.ctx.remote.statusAll(holder, 0, opts)
    for await (const info of src) out.set(info.cid, info)
    return out
  }
}

/** One shard of a file as cluster state sees it. */
export interface ShardState {
  stripe: number
  kind: 'data' | 'parity'
  index: number
  position: number
  /** shard pin CID ('' when the pinset has no pin for it) */
  cid: string
  holder: string
  verdict: HolderVerdict
}

export interface FileState {
  /** per stripe, every stored shard */
  stripes: ShardState[][]
  tree: { holders: string[], lost: string[] } | null
}

export function lostOf (s: ShardState): LostShardInfo | undefined {
  if (s.verdict === 'healthy' || s.verdict === 'pending' || s.verdict === 'slow') return undefined
  return { stripe: s.stripe, kind: s.kind, index: s.index, position: s.position, cid: s.cid, holder: s.holder, reason: s.verdict }
}

/** Every shard's state (and the tree's) from the pinset, the peerset and the holders' trackers. */
export async function assessFile (ctx: ErasureContext, file: EcFile, manifest: Manifest, statuses: HolderStatus, opts: Signalled = {}): Promise<FileState> {
  const all: ShardState[] = []
  const stripes: ShardState[][] = manifest.stripes.map((s, stripe) => {
    const list: ShardState[] = []
    const add = (kind: 'data' | 'parity', index: number, position: number): void => {
      const pin = file.shards.get(shardKey(stripe, position))
      const st: ShardState = { stripe, kind, index, position, cid: pin?.cid ?? '', holder: pin?.allocations?.[0] ?? '', verdict: 'down' }
      list.push(st)
      all.push(st)
    }
    s.data.forEach((_, i) => add('data', i, i))
    s.parity.forEach((_, j) => add('parity', j, manifest.data_shards + j))
    return list
  })
  // STATUS_CONCURRENCY questions at once per holder, to as many holders at once: a call costs
  // its round trip more than either peer's work, and a file's shards are spread over all holders
  await mapLimit([...byHolder(all)], STATUS_CONCURRENCY, async ([, shards]) => await mapLimit(shards, STATUS_CONCURRENCY, async st => {
    // a shard without a pin cannot be on any peer's list: it is lost with no holder
    st.verdict = st.cid === '' ? 'missing' : await statuses.verdict(st.holder, st.cid, opts)
    // "unpinned" is also what a holder says of a pin it has not heard of yet (right after the
    // add, its CRDT state lags): the shard is lost only if its blocks are not there either
    if (st.verdict === 'unpinned' && await holdsBlock(ctx, st.holder, st.cid, opts)) st.verdict = 'pending'
  }))
  let tree: FileState['tree'] = null
  if (file.tree != null) {
    const holders = file.tree.allocations ?? []
    const treeCid = file.tree.cid
    const verdicts = await mapLimit(holders, STATUS_CONCURRENCY, async h => {
      const v = await statuses.verdict(h, treeCid, opts)
      // as for shards: right after the add a holder may not know the tree pin yet
      return v === 'unpinned' && await holdsBlock(ctx, h, treeCid, opts) ? 'pending' : v
    })
    tree = { holders, lost: holders.filter((_, i) => verdicts[i] !== 'healthy' && verdicts[i] !== 'pending' && verdicts[i] !== 'slow') }
  }
  return { stripes, tree }
}

/** Whether `holder` has the block (no network fetch); false when it cannot say. */
async function holdsBlock (ctx: ErasureContext, holder: string, cid: string, opts: Signalled): Promise<boolean> {
  try {
    return (await missingOn(ctx, holder, [cid], opts.signal)).length === 0
  } catch {
    opts.signal?.throwIfAborted()
    return false
  }
}

/** Shards grouped by holder, in their order. */
function byHolder (shards: readonly ShardState[]): Map<string, ShardState[]> {
  const out = new Map<string, ShardState[]>()
  for (const st of shards) {
    const list = out.get(st.holder)
    if (list == null) out.set(st.holder, [st])
    else list.push(st)
  }
  return out
}

/** At most this many CIDs per MissingBlocks call of a probe (about 120 KB of arguments). */
const PROBE_BATCH = 2048

/**
 * Asks the holders of shards cluster state calls healthy whether they really hold their blocks
 * (no bytes moved): a holder whose blockstore was wiped keeps its pin records, so its tracker
 * still says "pinned". `full` checks every block (ecrecovery, status); otherwise only the
 * shard node (ecget, which checks the rest as it reads). Each holder is asked about all its
 * shards in one MissingBlocks call (PROBE_BATCH CIDs at most), the holders at once: a call per
 * shard cost ecget a round trip per shard before its first byte. Shards not yet pinned are
 * left alone: they may still be arriving, and so are the tree copies of holders in `skip`
 * (too slow to ask: they are read last, if at all).
 */
export async function probeHolders (ctx: ErasureContext, manifest: Manifest, state: FileState, treeBlocks: string[] | undefined, opts: Signalled & { full?: boolean, skip?: ReadonlySet<string> } = {}): Promise<void> {
  const cidsOf = (st: ShardState): string[] => {
    if (opts.full === false) return [st.cid]
    const stripe = manifest.stripes[st.stripe]
    const ref = st.kind === 'data' ? stripe.data[st.index] : stripe.parity[st.index]
    return [st.cid, ...ref.blocks.map(([c]) => c.toString())]
  }
  const probeShards = async (holder: string, shards: ShardState[]): Promise<void> => {
    const asked = shards.map(cidsOf)
    for (let i = 0; i < shards.length;) {
      // a batch ends before the shard that would take it past PROBE_BATCH (a shard's CIDs stay together)
      const first = i
      const cids: string[] = []
      while (i < shards.length && (i === first || cids.length + asked[i].length <= PROBE_BATCH)) cids.push(...asked[i++])
      try {
        const missing = new Set(await missingOn(ctx, holder, cids, opts.signal))
        for (let k = first; k < i; k++) if (asked[k].some(c => missing.has(c))) shards[k].verdict = 'missing'
      } catch (err) {
        opts.signal?.throwIfAborted()
        ctx.logger.warn({ holder, shards: shards.length - first, err: errorMessage(err) }, 'erasure: a holder could not say which blocks it holds')
        // its shards not asked yet would only wait for the same failure
        for (const st of shards.slice(first)) st.verdict = 'unreachable'
        return
      }
    }
  }
  const probeTree = async (tree: NonNullable<FileState['tree']>, holder: string, blocks: string[]): Promise<void> => {
    try {
      if ((await missingOn(ctx, holder, blocks, opts.signal)).length > 0) tree.lost.push(holder)
    } catch {
      opts.signal?.throwIfAborted()
      tree.lost.push(holder)
    }
  }
  const calls: Array<() => Promise<void>> = [...byHolder(state.stripes.flat().filter(s => s.verdict === 'healthy'))].map(([holder, shards]) => async () => { await probeShards(holder, shards) })
  const tree = state.tree
  if (tree != null && treeBlocks != null) {
    for (const h of tree.holders) if (!tree.lost.includes(h) && opts.skip?.has(h) !== true) calls.push(async () => { await probeTree(tree, h, treeBlocks) })
  }
  await mapLimit(calls, STATUS_CONCURRENCY, async call => { await call() })
}
