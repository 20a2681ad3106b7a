// The `erasure` field of an EC file's status (GET /pins/{cid}): per stripe, how many shards are
// healthy, which are lost (and why), and how many more losses the stripe survives. Computed from
// cluster state and a block-presence probe of the holders; no shard bytes are read.
import type { ErasureStatus } from '../../api/types.js'
import { decodeTreeNode } from '../../erasure/tree-node.js'
import type { CID } from 'multiformats/cid'
import type { Signalled } from '../components.js'
import type { ErasureContext } from './context.js'
import { blockFromHolders } from './get-fetch.js'
import { BULK_STATUS_SHARDS, lostByStripe } from './get.js'
import { loadEcFile, readManifest } from './status-files.js'
import { HolderStatus, assessFile, probeHolders } from './status-shards.js'

export async function erasureStatus (ctx: ErasureContext, cid: string, opts: Signalled = {}): Promise<ErasureStatus> {
  const file = await loadEcFile(ctx, cid, opts)
  const manifest = await readManifest(ctx, file, opts)
  const state = await assessFile(ctx, file, manifest, new HolderStatus(ctx, { bulk: file.shards.size > BULK_STATUS_SHARDS }), opts)
  let tree: CID[] | undefined
  if (manifest.tree != null && state.tree != null) {
    const holders = state.tree.holders.filter(h => !(state.tree?.lost ?? []).includes(h))
    try {
      tree = [manifest.tree, ...decodeTreeNode(await blockFromHolders(ctx, holders, manifest.tree, new Set(), opts.signal)).blocks.map(([c]) => c)]
    } catch {
      opts.signal?.throwIfAborted()
      state.tree.lost = [...state.tree.holders]
    }
  }
  await probeHolders(ctx, manifest, state, tree?.map(c => c.toString()), opts)
  const lost = lostByStripe(state)
  return {
    manifest: file.manifestCid,
    data_shards: file.d,
    parity_shards: file.p,
    file_size: manifest.file_size,
    stripes: state.stripes.map((shards, i) => ({
      stripe: i,
      shards: shards.length,
      healthy: shards.length - lost[i].length,
      lost: lost[i],
      tolerates: file.p - lost[i].length
    })),
    tree: state.tree == null ? null : { holders: state.tree.holders, lost: [...new Set(state.tree.lost)] },
    unrecoverable: lost.flatMap((l, i) => l.length > file.p ? [i] : [])
  }
}
