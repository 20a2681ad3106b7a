// ecget: reads an erasure-coded file back. Before any byte, cluster state decides whether every
// stripe is recoverable (at most p lost shards) and the tree has a live holder; otherwise
// UnrecoverableFileError names the stripes and nothing is streamed. Then the unixfs exporter
// walks the content over StripeBlockSource: a single file is streamed as its bytes, a
// directory as a tar archive. Every stripe is repaired once the walk is past it (its rebuilt
// shards re-homed, see repair-place.ts); stripes the walk never needed but that lost shards
// are repaired at the end. A healthy file is read from its data shards only and nothing moves.
// One HedgeMemory serves the whole ecget: a holder that was slow once is read around after.
import { CID } from 'multiformats/cid'
import { exporter } from 'ipfs-unixfs-exporter'
import { errorMessage } from '../../api/errors.js'
import type { EcRecoveryReport, LostShardInfo } from '../../api/types.js'
import { decodeTreeNode } from '../../erasure/tree-node.js'
import type { Manifest } from '../../erasure/types.js'
import type { ErasureContext } from './context.js'
import { UnrecoverableFileError } from './get-errors.js'
import { blockFromHolders } from './get-fetch.js'
import { HedgeMemory } from './hedge.js'
import { StripeBlockSource } from './get-source.js'
import type { StripeRead } from './get-stripe.js'
import { readStripe } from './get-stripe.js'
import { exportBody } from './get-export.js'
import { replicaGet } from './get-replica.js'
import { avoidUnreachable, placeRebuilt } from './repair-place.js'
import type { PlacementRun } from './repair-place.js'
import { repairTree } from './repair-tree.js'
import type { EcFile } from './status-files.js'
import { loadEcFile, readManifest } from './status-files.js'
import type { FileState } from './status-shards.js'
import { HolderStatus, assessFile, lostOf, probeHolders } from './status-shards.js'

/** above this many shard pins, holders' statuses are read in bulk (see HolderStatus) */
export const BULK_STATUS_SHARDS = 64
/** how long ecget waits for a holder's first status answer before reading around it (ms) */
const STATUS_PATIENCE = 3_000

export interface EcGetOptions {
  signal?: AbortSignal
}

/** An ecget ready to stream: what it is, and its bytes. */
export interface EcGetStream {
  cid: string
  name: string
  /** a single file is streamed as its bytes, a directory as a tar archive */
  kind: 'file' | 'directory'
  /** bytes of file content (the manifest's file_size): the progress total; unknown for a replicated directory */
  size?: number
  stripes: number
  /** stripes with shards cluster state already knows are lost (they will be rebuilt) */
  degraded: number[]
  /**
   * The bytes. A chunk is valid until the next one is asked for: leaves are views of a stripe
   * buffer that a later stripe reuses, so the consumer writes each out (not merely queues it)
   * before it pulls the next.
   */
  body: AsyncIterable<Uint8Array>
  /** what was lost and repaired; complete once body has been read to its end */
  report: EcRecoveryReport
}

/** Shards lost per stripe, from cluster state. */
export function lostByStripe (state: FileState): LostShardInfo[][] {
  return state.stripes.map(s => s.map(lostOf).filter((l): l is LostShardInfo => l != null))
}

/** Fails with UnrecoverableFileError when cluster state says the file cannot be read. */
export function checkRecoverable (file: EcFile, state: FileState): void {
  const lost = lostByStripe(state)
  const bad = lost.flatMap((l, i) => l.length > file.p ? [i] : [])
  const treeLost = state.tree != null && state.tree.holders.length > 0 && state.tree.lost.length === state.tree.holders.length
  if (bad.length > 0 || treeLost) throw new UnrecoverableFileError(file.meta.cid, bad, lost.flat(), file.p, treeLost)
}

export async function ecGet (ctx: ErasureContext, cid: string, opts: EcGetOptions = {}): Promise<EcGetStream> {
  const { signal } = opts
  // what an erasure add replicated instead of coding (and any plain pin) is read from its copies
  const pin = await ctx.consensus.get(cid, { signal })
  if (pin.type === 'pin') return await replicaGet(ctx, pin, opts)
  const file = await loadEcFile(ctx, cid, { signal })
  const manifest = await readManifest(ctx, file, { signal })
  // many shards: one streamed status list per holder beats one call per shard
  // a holder that answers nothing for STATUS_PATIENCE (frozen, swapping) is read around, as a
  // hedged read would, instead of waiting out its RPC timeouts before the first byte
  const statuses = new HolderStatus(ctx, { bulk: file.shards.size > BULK_STATUS_SHARDS, patience: STATUS_PATIENCE })
  const state = await assessFile(ctx, file, manifest, statuses, { signal })
  checkRecoverable(file, state)
  const hedge = new HedgeMemory()
  for (const peer of statuses.slow) {
    hedge.markSlow(peer)
    ctx.logger.info({ peer, cid: file.meta.cid }, 'ecget: holder did not answer its status in time; its shards are read last')
  }
  const treeBlocks = await treeBlockList(ctx, file, manifest, state, hedge, signal)
  // holders that say "pinned" but lack blocks (a wiped blockstore) are found before any byte
  await probeHolders(ctx, manifest, state, manifest.tree != null ? [manifest.tree, ...treeBlocks].map(c => c.toString()) : undefined, { signal, full: false, skip: statuses.slow })
  checkRecoverable(file, state)

  const report: EcRecoveryReport = { cid: file.meta.cid, name: file.meta.name, lost: [], rebuilt: [], new_holders: [] }
  // a holder that just died is still ranked until its metrics expire: no shard goes to it
  const placement: PlacementRun = { load: new Map(), avoid: new Set() }
  avoidUnreachable(placement, state.stripes.flat())
  const repair = async (index: number, read: StripeRead): Promise<void> => {
    report.lost.push(...read.lost)
    if (read.result.rebuilt.length === 0) return
    // placeRebuilt copies the shards out before its first await: the walk reuses the stripe's
    // buffer as soon as this returns its promise, and reads the next stripe meanwhile
    const r = await placeRebuilt(ctx, file, state.stripes[index], read.result.rebuilt, placement, { signal })
    report.rebuilt.push(...r.placed)
    if (r.errors.length > 0) (report.errors ??= []).push(...r.errors)
  }
  const source = new StripeBlockSource({ ctx, manifest, state, treeBlocks, signal, onStripeDone: repair, hedge })
  const root = await exporter(manifest.content_root, source, { signal })
  const kind = root.type === 'directory' ? 'directory' : 'file'
  const degraded = lostByStripe(state).flatMap((l, i) => l.length > 0 ? [i] : [])

  async function * body (): AsyncGenerator<Uint8Array> {
    yield * exportBody(root, source, signal)
    // every chunk was written out: the walk's stripe buffers go to the reserve (or are freed)
    await source.release()
    // stripes the walk never read (their leaves also appear earlier in the file) are
    // repaired here if cluster state says they lost shards
    const buffers = source.buffers
    for (const index of degraded) {
      if (source.visited.has(index)) continue
      try {
        const read = await readStripe(ctx, manifest, index, state.stripes[index], { signal, buffers, hedge })
        await repair(index, read)
        buffers.give(read.result.buffer)
      } catch (err) {
        signal?.throwIfAborted()
        ;(report.errors ??= []).push(`stripe ${index}: ${errorMessage(err)}`)
      }
    }
    buffers.release()
    // lost tree copies (known from cluster state, or found while reading) are replaced too
    const tree = state.tree
    if (tree != null && manifest.tree != null) {
      for (const h of source.treeFailed) if (!tree.lost.includes(h)) tree.lost.push(h)
      if (tree.lost.length > 0) {
        report.tree_lost = [...tree.lost].sort()
        const t = await repairTree(ctx, file, state, manifest.tree, treeBlocks, placement.avoid, { signal })
        if (t.copies.length > 0) report.tree_copies = t.copies
        if (t.errors.length > 0) (report.errors ??= []).push(...t.errors)
      }
    }
    report.new_holders = [...new Set([...report.rebuilt.map(r => r.holder), ...(report.tree_copies ?? [])])].sort()
    if (report.rebuilt.length > 0) ctx.logger.info({ cid: file.meta.cid, rebuilt: report.rebuilt.length }, 'ecget repaired lost shards')
    // slow holders are not lost (nothing was repaired for them), but operators should see them
    if (hedge.hedges > 0) ctx.logger.info({ cid: file.meta.cid, hedges: hedge.hedges, slow: hedge.slowPeers() }, 'ecget read around slow holders')
  }

  return { cid: file.meta.cid, name: file.meta.name, kind, size: manifest.file_size, stripes: manifest.stripes.length, degraded, body: body(), report }
}

/** The tree node's block list (from any holder with a good copy); none when the file has no tree. */
async function treeBlockList (ctx: ErasureContext, file: EcFile, manifest: Manifest, state: FileState, hedge: HedgeMemory, signal?: AbortSignal): Promise<CID[]> {
  if (manifest.tree == null) return []
  const holders = (state.tree?.holders ?? file.tree?.allocations ?? []).filter(h => !(state.tree?.lost ?? []).includes(h))
  const node = decodeTreeNode(await blockFromHolders(ctx, holders, manifest.tree, new Set(), signal, hedge))
  return node.blocks.map(([c]) => c)
}
