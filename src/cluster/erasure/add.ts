// `add --erasure` (ARCHITECTURE "Erasure coding — our design", flow "add --erasure"):
// importer → raw leaves to the stripe writer (each leaf streamed to its data shard's holder as it
// comes; full stripes RS-coded in the worker, parity and shard nodes streamed to their holders),
// unixfs nodes to the p+1 tree holders → tree node, manifest (to every peer) → pins committed.
// Inputs too small for erasure coding to pay off are stored as one plain pin with p+1
// replicas instead (smallFilePolicy); the output then has only the usual lines.
//
// Write quorum: a peer that fails mid-add does not fail it while every stripe keeps
// cluster.ec_write_quorum shards (default d+1): its shards go to other live peers, or are
// recorded as lost for the repair (add-stripes.ts, add-copies.ts, add.md "Write quorum").
//
// Output: the importer's usual lines, then one line per shard (`<name>-s<stripe>-<kind><i>`,
// cid = shard node, bytes = shard length, allocations = [holder]; a lost shard's line also has
// `lost: [holder]`), one for the tree node (`lost` lists its lost copies), one for the
// manifest, and the content root last (what --quieter prints).
import type { AddParams } from '../../api/params.js'
import type { AddedOutput } from '../../api/types.js'
import { ClusterError, InvalidArgumentError } from '../../api/errors.js'
import { newPin } from '../../api/pin.js'
import type { AddEntry } from '../../adder/types.js'
import { importEntries } from '../../adder/importer.js'
import { placeShards } from '../../allocator/placement.js'
import { CID } from 'multiformats/cid'
import { encodeManifest, encodeTreeNode, newNonce, MANIFEST_VERSION } from '../../erasure/index.js'
import type { BlockRef, RawBlock } from '../../erasure/index.js'
import type { ErasureContext } from './context.js'
import { copyQuorum, planErasureAdd } from './add-params.js'
import type { ErasureAddPlan } from './add-params.js'
import { PeerStreams } from './add-streams.js'
import { CopySet } from './add-copies.js'
import type { AddPeers, CopyResult } from './add-copies.js'
import { ErasureSink } from './add-sink.js'
import type { StripeWriter } from './add-stripes.js'
import { commitErasurePins, erasurePins } from './add-pins.js'
import { manifestPinName, shardPinName, treePinName } from './layout.js'

/**
 * Validates at once (throws 400-class errors synchronously, before the body is read) and
 * returns the add's output stream.
 */
export function addErasure (ctx: ErasureContext, entries: AsyncIterable<AddEntry>, params: AddParams, opts: { signal?: AbortSignal } = {}): AsyncIterable<AddedOutput> {
  const plan = planErasureAdd(ctx, params)
  return runErasureAdd(ctx, plan, entries, opts.signal)
}

async function * runErasureAdd (ctx: ErasureContext, plan: ErasureAddPlan, entries: AsyncIterable<AddEntry>, signal?: AbortSignal): AsyncGenerator<AddedOutput> {
  const { d, p } = plan
  const streams = new PeerStreams({ self: ctx.peerId, ipfs: ctx.ipfs, remote: ctx.remote, signal, logger: ctx.logger })
  if (plan.quorumRaisedFrom != null) {
    ctx.logger.warn({ ec_write_quorum: plan.quorumRaisedFrom, d, p, used: plan.writeQuorum }, 'cluster.ec_write_quorum is below data shards + 1: using data shards + 1')
  }
  const peers = addPeers(ctx, plan, streams)
  const nonce = newNonce()
  // p+1 distinct peers: the tree blocks' holders, and the replicas of a small input
  const treeHolders = placeShards({ shards: p + 1, stripes: 1, ranking: plan.ranking, groupOf: ctx.groupOf })[0]
  const tree = new CopySet({ streams, peers, holders: treeHolders, keepBytes: TREE_KEEP_BYTES, what: 'tree', onReplaced: replacedLog(ctx) })
  const sink = new ErasureSink({
    plan,
    tree,
    writer: { d, p, shardSize: plan.shardSize, parityBlockSize: plan.parityBlockSize, nonce, codec: ctx.codec, peers, streams, quorum: plan.writeQuorum, reserve: ctx.stripeReserve, signal, logger: ctx.logger }
  })
  let finished = false
  try {
    const pending: AddedOutput[] = []
    const onProgress = plan.params.progress ? (name: string, bytes: number) => { pending.push({ name, bytes } as AddedOutput) } : undefined
    let last: AddedOutput | undefined
    for await (const out of importEntries(entries, plan.params, sink, { signal, onProgress })) {
      // the root (the last output) is held back until everything is stored and pinned
      if (last != null) pending.push(last)
      last = out
      while (pending.length > 0) yield pending.shift() as AddedOutput
    }
    while (pending.length > 0) yield pending.shift() as AddedOutput
    if (last == null) throw new InvalidArgumentError('no content to add')
    const root = last
    const name = plan.params.name !== '' ? plan.params.name : (root.name !== '' ? root.name : root.cid)

    const outcome = await sink.finish()
    if (outcome.mode === 'replicate') {
      // d = 1 sent every block to the tree copies already; a small input's blocks were held
      const copies = outcome.blocks.length > 0 ? new CopySet({ streams, peers, holders: treeHolders, keepBytes: Infinity, what: 'replica', onReplaced: replacedLog(ctx) }) : tree
      const lines = await replicate(ctx, plan, streams, outcome.blocks, copies, root, outcome.decision.mode === 'replicate' ? outcome.decision.reason : '', signal)
      finished = true
      yield * lines
      return
    }
    const lines = await storeErasure(ctx, plan, streams, { writer: outcome.writer, tree: outcome.tree, treeCopies: tree, nonce, root, name }, signal)
    finished = true
    yield * lines
  } finally {
    // an error, or the client went away (the consumer stopped iterating): stop every stream
    if (!finished) streams.abort()
    else streams.close()
  }
}

/**
 * Tree blocks kept so that a copy whose holder fails can be made again elsewhere: unixfs
 * nodes are small (a 1 GiB file has ~25 of them); past this the repair restores a lost copy.
 */
const TREE_KEEP_BYTES = 8 * 1024 * 1024

/** The add's peers as they are now: its ranking without failed peers, live ones first. */
function addPeers (ctx: ErasureContext, plan: ErasureAddPlan, streams: PeerStreams): AddPeers {
  const n = plan.d + plan.p
  const live = (): string[] => {
    const now = new Set(ctx.peerset())
    return plan.ranking.filter(x => now.has(x) && !streams.isFailed(x))
  }
  return {
    live,
    ranking: () => {
      const l = live()
      // a peer that left the peerset since the add began is used only when shards need it
      return l.length >= n ? l : [...l, ...plan.ranking.filter(x => !l.includes(x) && !streams.isFailed(x))]
    },
    groupOf: ctx.groupOf
  }
}

function replacedLog (ctx: ErasureContext): (from: string, to: string, what: string) => void {
  return (from, to, what) => { ctx.logger.warn({ from, to }, `erasure add: ${what} copy re-placed`) }
}

/** Fails the add when fewer than `need` copies were stored. */
function checkCopies (what: string, r: CopyResult, need: number): void {
  if (r.stored.length >= need) return
  const why = r.lost.map(l => `${l.peer}: ${l.reason}`).join('; ')
  throw new ClusterError(`${what} could be stored on only ${r.stored.length} peers, need ${need} (cluster.ec_write_quorum); failed: ${why}`, 500)
}

/** Small input: every block to the p+1 holders, one plain pin with those allocations. */
async function replicate (ctx: ErasureContext, plan: ErasureAddPlan, streams: PeerStreams, blocks: RawBlock[], copies: CopySet, root: AddedOutput, reason: string, signal?: AbortSignal): Promise<AddedOutput[]> {
  for (const b of blocks) await copies.put(b)
  const r = await copies.finish()
  checkCopies('the replicas', r, copyQuorum(plan.writeQuorum, plan.d, plan.p))
  // a lost replica's peer keeps its allocation: it pins the content when it is back
  const holders = [...r.stored, ...r.lost.map(l => l.peer)]
  const pin = newPin(root.cid, { ...plan.params, mode: 'recursive', replication_factor_min: holders.length, replication_factor_max: holders.length, user_allocations: null })
  pin.allocations = holders
  await ctx.commitPin(pin, { signal })
  ctx.recordAdd(total(streams))
  ctx.logger.info({ cid: root.cid, replicas: holders.length, reason }, 'erasure add: input too small for erasure coding, stored with p+1 replicas')
  if (r.lost.length > 0) ctx.logger.warn({ cid: root.cid, stored: r.stored, lost: r.lost }, 'erasure add: replicas stored on fewer peers than planned')
  return [{ ...root, allocations: holders, ...lostField(r) }]
}

function lostField (r: CopyResult): { lost?: string[] } {
  return r.lost.length > 0 ? { lost: r.lost.map(l => l.peer) } : {}
}

interface ErasureResult {
  writer: StripeWriter
  tree: BlockRef[]
  treeCopies: CopySet
  nonce: Uint8Array
  root: AddedOutput
  name: string
}

async function storeErasure (ctx: ErasureContext, plan: ErasureAddPlan, streams: PeerStreams, r: ErasureResult, signal?: AbortSignal): Promise<AddedOutput[]> {
  const { d, p } = plan
  const copiesNeeded = copyQuorum(plan.writeQuorum, d, p)
  let tree: { cid: string, holders: string[], lost: string[] } | undefined
  let treeCid: CID | undefined
  if (r.tree.length > 0) {
    const node = await encodeTreeNode({ blocks: r.tree, nonce: r.nonce })
    await r.treeCopies.put(node)
    const copies = await r.treeCopies.finish()
    checkCopies('the tree blocks', copies, copiesNeeded)
    treeCid = node.cid
    // lost copies stay allocated to their failed peers: the repair copies them elsewhere
    tree = { cid: node.cid.toString(), holders: [...copies.stored, ...copies.lost.map(l => l.peer)], lost: copies.lost.map(l => l.peer) }
  }
  const manifest = await encodeManifest({
    version: MANIFEST_VERSION,
    codec: ctx.codec.id,
    data_shards: d,
    parity_shards: p,
    shard_size: plan.shardSize,
    file_size: r.writer.fileSize,
    content_root: CID.parse(r.root.cid),
    nonce: r.nonce,
    ...(treeCid != null ? { tree: treeCid } : {}),
    stripes: r.writer.stripes
  })
  // every peer pins the manifest: give it to all of them rather than have each one ask bitswap;
  // a peer that fails here gets it through its manifest pin later
  const everyone = [...new Set([...plan.ranking, ...ctx.peerset()])].filter(x => !streams.isFailed(x))
  const sent = await Promise.all(everyone.map(async peer => {
    const s = streams.stream(peer)
    for (const b of [manifest.root, ...manifest.pages]) if (!await streams.put(s, b)) break
    s.end()
    return { peer, err: await s.settled() }
  }))
  const failed = sent.filter(x => x.err != null)
  checkCopies('the manifest', { stored: sent.filter(x => x.err == null).map(x => x.peer), lost: failed.map(x => ({ peer: x.peer, reason: x.err as string })) }, copiesNeeded)

  const manifestCid = manifest.root.cid.toString()
  const pins = erasurePins({ root: r.root.cid, manifest: manifestCid, paged: manifest.pages.length > 0, tree, shards: r.writer.shards, d, p, name: r.name }, plan.params)
  await commitErasurePins(ctx, pins, signal)
  ctx.recordAdd(total(streams))
  const degraded = r.writer.degraded
  ctx.logger.info({ cid: r.root.cid, manifest: manifestCid, stripes: r.writer.stripes.length, shards: r.writer.shards.length, d, p, shard_size: plan.shardSize }, 'erasure add stored')
  if (degraded.length > 0 || (tree?.lost.length ?? 0) > 0 || streams.failed.size > 0) {
    ctx.logger.warn({
      cid: r.root.cid,
      failed_peers: Object.fromEntries(streams.failed),
      degraded_stripes: degraded.map(s => ({ stripe: s.stripe, stored: s.stored, total: s.total, lost: s.lost.map(l => `${l.kind}${l.index}@${l.holder}`) })),
      tree_lost: tree?.lost ?? []
    }, `erasure add stored with failed peers: ${degraded.length} stripes degraded (the repair restores their lost shards)`)
  }

  const out: AddedOutput[] = r.writer.shards.map(s => ({
    name: shardPinName(r.name, s.stripe, s.kind, s.index),
    cid: s.node,
    bytes: s.length,
    allocations: [s.holder],
    // wire-compatible addition: the shard is not stored on its holder (the repair rebuilds it)
    ...(s.lost != null ? { lost: [s.holder] } : {})
  }))
  if (tree != null) out.push({ name: treePinName(r.name), cid: tree.cid, allocations: tree.holders, ...(tree.lost.length > 0 ? { lost: tree.lost } : {}) })
  out.push({ name: manifestPinName(r.name), cid: manifestCid })
  out.push(r.root)
  return out
}

function total (streams: PeerStreams): number {
  let n = 0
  for (const b of streams.bytesByPeer.values()) n += b
  return n
}
