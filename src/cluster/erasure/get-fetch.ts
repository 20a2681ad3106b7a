// Reading shard and tree blocks straight from their holders: the local IPFS node when this peer
// holds them, else the holder's node over peer RPC. A shard comes whole in one stream
// (IPFSConnector.BlocksGetLocal), read ahead off the holder's disk; a tree block with one call
// (BlockGet) after asking which blocks the holder lacks. Holders read their own disk only, so a
// lost block fails at once instead of after a bitswap timeout. Blocks are not stored on the
// reading peer, so an ecget leaves no garbage behind; a block that does not hash to its CID is
// never handed out. A slow holder is read around (hedge.ts, erasure/shard-reads.ts) long
// before BLOCK_TIMEOUT, which stays the last resort when there is nobody else to ask.
import { CID } from 'multiformats/cid'
import { ClusterError } from '../../api/errors.js'
import { verifyBlock } from '../../erasure/blocks.js'
import type { FetchShard } from '../../erasure/reconstructor.js'
import type { ManifestStripe } from '../../erasure/types.js'
import type { ErasureContext } from './context.js'
import type { ShardState } from './status-shards.js'
import { withTimeout } from '../../common/signal.js'
import { localBlocks } from '../../ipfs/local-blocks.js'
import { withProgressTimeout } from '../../ipfs/timeouts.js'
import { firstOf, sharedHedgeMemory } from './hedge.js'
import type { HedgeMemory } from './hedge.js'
import { copyPiecesInto, wholeBytes } from '../../common/copy-into.js'

/** One block must arrive within this time; a holder that takes longer counts as failed. */
const BLOCK_TIMEOUT = 60_000

export class BlockFetchError extends ClusterError {
  constructor (peer: string, cid: string, why: string) {
    super(`block ${cid} from ${peer}: ${why}`, 500)
    this.name = 'BlockFetchError'
  }
}

function timed (signal?: AbortSignal): AbortSignal {
  return withTimeout(BLOCK_TIMEOUT, signal)
}

/** The CIDs among `cids` that `peer` does not hold locally. */
export async function missingOn (ctx: ErasureContext, peer: string, cids: string[], signal?: AbortSignal): Promise<string[]> {
  if (peer !== ctx.peerId) return await ctx.remote.missingBlocks(peer, cids, { signal: timed(signal) })
  const missing: string[] = []
  for (const c of cids) if ((await ctx.ipfs.blockStat(c, { signal })) === undefined) missing.push(c)
  return missing
}

/** One block from one peer, unverified. */
export async function blockFrom (ctx: ErasureContext, peer: string, cid: string, signal?: AbortSignal): Promise<Uint8Array> {
  if (peer === ctx.peerId) return await ctx.ipfs.blockGet(cid, { signal: timed(signal) })
  return await ctx.remote.blockGet(peer, cid, { signal: timed(signal) })
}

/** One block from one peer, checked against its CID. */
export async function verifiedBlockFrom (ctx: ErasureContext, peer: string, cid: CID, signal?: AbortSignal): Promise<Uint8Array> {
  const bytes = await blockFrom(ctx, peer, cid.toString(), signal)
  if (!(await verifyBlock(cid, bytes))) throw new BlockFetchError(peer, cid.toString(), 'bytes do not match the CID (corrupt copy)')
  return bytes
}

/**
 * The reconstructor's FetchShard over one stripe's holders. It returns undefined (lost,
 * "missing") when the holder lacks a block, throws (lost, "failed") when the holder cannot be
 * read, and leaves hashing to the reconstructor, which marks bad bytes "corrupt". Given the
 * shard's slot in the stripe buffer, it copies each block there as it arrives (and shows it to
 * the reconstructor's onBlock, which checks and hands out data blocks early). `onBytes`
 * counts what came over the wire. Aborting the signal ends the RPC stream.
 */
export function shardFetcher (ctx: ErasureContext, states: readonly ShardState[], stripe: ManifestStripe, onBytes?: (n: number) => void): FetchShard {
  return async (kind, index, { signal, into, onProgress, onBlock }) => {
    const st = states.find(s => s.kind === kind && s.index === index)
    const ref = kind === 'data' ? stripe.data[index] : stripe.parity[index]
    if (st == null || ref == null || st.holder === '') return undefined
    const cids = ref.blocks.map(([c]) => c.toString())
    if (cids.length === 0) return []
    let end = 0
    for (const [, len] of ref.blocks) end += len
    const slot = into != null && end <= into.byteLength ? into : undefined
    // each block must come within BLOCK_TIMEOUT of the one before: a big shard may take long
    return await withProgressTimeout(BLOCK_TIMEOUT, signal, async (streamSignal, progress) => {
      const blocks = st.holder === ctx.peerId
        ? localBlocks(ctx.ipfs, cids, { signal: streamSignal })
        : ctx.remote.blocksGetLocal(st.holder, cids, { signal: streamSignal })
      const out: Uint8Array[] = []
      let offset = 0
      for await (const bytes of blocks) {
        // the read went on without this shard (another came first): the slot may be the
        // codec's by now, so nothing more is written to it
        streamSignal.throwIfAborted()
        progress()
        if (bytes === undefined) return undefined
        onBytes?.(bytes.byteLength)
        onProgress?.(bytes.byteLength)
        const len = ref.blocks[out.length]?.[1]
        // a block of the wrong length is handed back as it is: the reconstructor calls it corrupt
        if (slot == null || bytes.byteLength !== len) out.push(wholeBytes(bytes))
        else {
          // a remote block's pieces go straight to the slot: never joined first
          copyPiecesInto(slot, bytes, offset)
          out.push(slot.subarray(offset, offset + len))
        }
        onBlock?.(out.length - 1, out[out.length - 1])
        offset += len ?? 0
        if (out.length > cids.length) break
      }
      return out
    })
  }
}

/**
 * A block from the first of its holders that has a good copy (this peer first when it is
 * one): tree blocks of an EC file, blocks of replicated content. A holder that does not answer
 * within the run's block hedge delay gets the next one asked beside it; the first good copy
 * wins and the other requests are aborted.
 * Holders that failed are remembered in `failed` so the caller can report and repair them;
 * holders that were only slow go to `hedge` (asked last from then on), never to `failed`.
 */
export async function blockFromHolders (ctx: ErasureContext, holders: readonly string[], cid: CID, failed: Set<string>, signal?: AbortSignal, hedge: HedgeMemory = sharedHedgeMemory(ctx)): Promise<Uint8Array> {
  const rank = (h: string): number => h === ctx.peerId ? 0 : failed.has(h) ? 3 : hedge.isSlow(h) ? 2 : 1
  const order = [...new Set(holders)].sort((a, b) => rank(a) - rank(b))
  const errors: string[] = []
  try {
    return await firstOf(order, async (h, s) => {
      const t0 = performance.now()
      if ((await missingOn(ctx, h, [cid.toString()], s)).length > 0) throw new BlockFetchError(h, cid.toString(), 'not held')
      const bytes = await verifiedBlockFrom(ctx, h, cid, s)
      hedge.blockAnswered(performance.now() - t0)
      return bytes
    }, {
      signal,
      hedgeMs: hedge.blockHedgeMs(),
      onFail: (h, err) => {
        if (signal?.aborted === true) return
        failed.add(h)
        errors.push((err as Error).message)
      },
      onHedged: h => {
        const first = hedge.markSlow(h)
        ctx.logger[first ? 'info' : 'debug']({ peer: h, cid: cid.toString() }, 'hedged read: block holder slow, another holder answered first')
      }
    })
  } catch (err) {
    signal?.throwIfAborted()
    throw new ClusterError(`no holder has a good copy of ${cid.toString()}: ${errors.length > 0 ? errors.join('; ') : (err as Error).message}`, 500)
  }
}
