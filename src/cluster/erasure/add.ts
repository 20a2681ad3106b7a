// `add --erasure` (ARCHITECTURE "Erasure coding — our design", flow "add --erasure"):
// importer → raw leaves to the stripe writer (each leaf streamed to its data shard's holder as it
// comes; full stripes RS-coded in the worker, parity and shard nodes streamed to their holders),
// unixfs nodes to the p+1 tree holders → tree node, manifest (to every peer) → pins committed.
// Inputs too small for erasure coding to pay off are stored as one plain pin with p+1
// replicas instead (smallFilePolicy); the output then has only the usual lines.
//
// Output: the importer's usual lines, then one line per shard (`<name>-s<stripe>-<kind><i>`,
// cid = shard node, bytes = shard length, allocations = [holder]), one for the tree node, one
// for the manifest, and the content root last (what --quieter prints).
import type { AddParams } from '../../api/params.js'
import type { AddedOutput } from '../../api/types.js'
import { InvalidArgumentError } from '../../api/errors.js'
import { newPin } from '../../api/pin.js'
import type { AddEntry } from '../../adder/types.js'
import { importEntries } from '../../adder/importer.js'
import { placeShards } from '../../allocator/placement.js'
import { CID } from 'multiformats/cid'
import { encodeManifest, encodeTreeNode, newNonce, MANIFEST_VERSION } from '../../erasure/index.js'
import type { BlockRef, RawBlock } from '../../erasure/index.js'
import type { ErasureContext } from './context.js'
import { planErasureAdd } from './add-params.js'
import type { ErasureAddPlan } from './add-params.js'
import { PeerStreams } from './add-streams.js'
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
  const streams = new PeerStreams({ self: ctx.peerId, ipfs: ctx.ipfs, remote: ctx.remote, signal })
  const nonce = newNonce()
  // p+1 distinct peers: the tree blocks' holders, and the replicas of a small input
  const treeHolders = placeShards({ shards: p + 1, stripes: 1, ranking: plan.ranking, groupOf: ctx.groupOf })[0]
  const sink = new ErasureSink({
    plan,
    streams,
    treeHolders,
    writer: { d, p, shardSize: plan.shardSize, parityBlockSize: plan.parityBlockSize, nonce, codec: ctx.codec, ranking: plan.ranking, groupOf: ctx.groupOf, streams, signal }
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
      const lines = await replicate(ctx, plan, streams, outcome.blocks, treeHolders, root, outcome.decision.mode === 'replicate' ? outcome.decision.reason : '', signal)
      finished = true
      yield * lines
      return
    }
    const lines = await storeErasure(ctx, plan, streams, { writer: outcome.writer, tree: outcome.tree, treeHolders, nonce, root, name }, signal)
    finished = true
    yield * lines
  } finally {
    // an error, or the client went away (the consumer stopped iterating): stop every stream
    if (!finished) streams.abort()
  }
}

/** Small input: every block to the p+1 holders, one plain pin with those allocations. */
async function replicate (ctx: ErasureContext, plan: ErasureAddPlan, streams: PeerStreams, blocks: RawBlock[], holders: string[], root: AddedOutput, reason: string, signal?: AbortSignal): Promise<AddedOutput[]> {
  for (const b of blocks) for (const peer of holders) await streams.put(peer, b)
  await streams.close()
  const pin = newPin(root.cid, { ...plan.params, mode: 'recursive', replication_factor_min: holders.length, replication_factor_max: holders.length, user_allocations: null })
  pin.allocations = holders
  await ctx.commitPin(pin, { signal })
  ctx.recordAdd(total(streams))
  ctx.logger.info({ cid: root.cid, replicas: holders.length, reason }, 'erasure add: input too small for erasure coding, stored with p+1 replicas')
  return [{ ...root, allocations: holders }]
}

interface ErasureResult {
  writer: StripeWriter
  tree: BlockRef[]
  treeHolders: string[]
  nonce: Uint8Array
  root: AddedOutput
  name: string
}

async function storeErasure (ctx: ErasureContext, plan: ErasureAddPlan, streams: PeerStreams, r: ErasureResult, signal?: AbortSignal): Promise<AddedOutput[]> {
  const { d, p } = plan
  let tree: { cid: string, holders: string[] } | undefined
  let treeCid: CID | undefined
  if (r.tree.length > 0) {
    const node = await encodeTreeNode({ blocks: r.tree, nonce: r.nonce })
    for (const peer of r.treeHolders) await streams.put(peer, node)
    treeCid = node.cid
    tree = { cid: node.cid.toString(), holders: r.treeHolders }
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
  // every peer pins the manifest: give it to all of them rather than have each one ask bitswap
  const everyone = [...new Set([...plan.ranking, ...ctx.peerset()])]
  for (const peer of everyone) {
    for (const b of [manifest.root, ...manifest.pages]) await streams.put(peer, b)
  }
  await streams.close()

  const manifestCid = manifest.root.cid.toString()
  const pins = erasurePins({ root: r.root.cid, manifest: manifestCid, paged: manifest.pages.length > 0, tree, shards: r.writer.shards, d, p, name: r.name }, plan.params)
  await commitErasurePins(ctx, pins, signal)
  ctx.recordAdd(total(streams))
  ctx.logger.info({ cid: r.root.cid, manifest: manifestCid, stripes: r.writer.stripes.length, shards: r.writer.shards.length, d, p, shard_size: plan.shardSize }, 'erasure add stored')

  const out: AddedOutput[] = r.writer.shards.map(s => ({
    name: shardPinName(r.name, s.stripe, s.kind, s.index),
    cid: s.node,
    bytes: s.length,
    allocations: [s.holder]
  }))
  if (tree != null) out.push({ name: treePinName(r.name), cid: tree.cid, allocations: tree.holders })
  out.push({ name: manifestPinName(r.name), cid: manifestCid })
  out.push(r.root)
  return out
}

function total (streams: PeerStreams): number {
  let n = 0
  for (const b of streams.bytesByPeer.values()) n += b
  return n
}
