// Re-replication of an EC file's tree pin (its unixfs directory and file nodes, kept as p+1
// plain copies): every lost holder is replaced by a live peer that has no copy yet, the blocks
// are copied there from a holder with a good copy (each verified), then the tree pin's
// allocations are updated.
import type { CID } from 'multiformats/cid'
import { errorMessage } from '../../api/errors.js'
import type { IpfsBlock } from '../../ipfs/connector.js'
import type { Signalled } from '../components.js'
import type { ErasureContext } from './context.js'
import { blockFromHolders } from './get-fetch.js'
import { storeOn } from './repair-place.js'
import type { EcFile } from './status-files.js'
import type { FileState } from './status-shards.js'

export interface TreeRepair {
  copies: string[]
  errors: string[]
}

/**
 * `avoid`: peers the run could not reach (see repair-place.ts), never chosen; a peer the copy
 * fails on joins them, and the next peer without a copy is tried instead.
 */
export async function repairTree (ctx: ErasureContext, file: EcFile, state: FileState, treeCid: CID, blocks: CID[], avoid: Set<string>, opts: Signalled = {}): Promise<TreeRepair> {
  const out: TreeRepair = { copies: [], errors: [] }
  const tree = state.tree
  if (file.tree == null || tree == null || tree.lost.length === 0) return out
  const good = tree.holders.filter(h => !tree.lost.includes(h))
  if (good.length === 0) {
    out.errors.push('tree: no holder has a good copy left')
    return out
  }
  const candidates = ctx.ranking(tree.holders).filter(p => !tree.holders.includes(p) && !avoid.has(p))
  const failed = new Set<string>()
  const copy = async function * (): AsyncIterable<IpfsBlock> {
    // the listed blocks first, the tree node (what the holder pins) last
    for (const c of [...blocks, treeCid]) yield { cid: c.toString(), bytes: await blockFromHolders(ctx, good, c, failed, opts.signal) }
  }
  const placed: string[] = []
  for (const t of candidates) {
    if (placed.length === tree.lost.length) break
    try {
      await storeOn(ctx, t, copy(), opts)
      placed.push(t)
    } catch (err) {
      opts.signal?.throwIfAborted()
      out.errors.push(`tree: copying to ${t} failed: ${errorMessage(err)}`)
      avoid.add(t)
    }
  }
  if (placed.length < tree.lost.length) out.errors.push(`tree: ${tree.lost.length} copies lost, only ${placed.length} peers without a copy took them`)
  if (placed.length === 0) return out
  const allocations = [...good, ...placed]
  await ctx.commitPin({ ...file.tree, allocations, user_allocations: null }, opts)
  out.copies = placed
  ctx.logger.info({ tree: file.tree.cid, lost: tree.lost, to: placed }, 'erasure tree re-replicated')
  return out
}
