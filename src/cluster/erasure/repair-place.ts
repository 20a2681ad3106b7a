// Re-homing rebuilt shards (EC rule 5): each goes to a live peer holding no other shard of its
// stripe (distinct tag groups first), chosen by placeRepair from the allocator's ranking, the
// same rule the add uses. Its blocks are stored there first, then the shard pin's allocation
// is changed, so the new holder's tracker pins blocks it already has. When no such peer is
// left, a shard whose old holder is alive and only lost its pin is stored back on it.
import { errorMessage } from '../../api/errors.js'
import { storeBlocks } from '../block-channel.js'
import type { Pin } from '../../api/types.js'
import { placeRepair } from '../../allocator/placement.js'
import { NotEnoughShardPeersError } from '../../allocator/errors.js'
import type { EncodedShard } from '../../erasure/types.js'
import type { IpfsBlock } from '../../ipfs/connector.js'
import type { Signalled } from '../components.js'
import type { ErasureContext } from './context.js'
import type { EcFile } from './status-files.js'
import { shardKey } from './status-files.js'
import type { ShardState } from './status-shards.js'

export interface Placed {
  stripe: number
  position: number
  cid: string
  holder: string
}

export interface PlaceResult {
  placed: Placed[]
  errors: string[]
}

async function * blocksOf (shard: EncodedShard): AsyncIterable<IpfsBlock> {
  // leaves first, the shard node last: the node is what the holder pins
  for (const b of shard.blocks) yield { cid: b.cid.toString(), bytes: b.bytes }
  yield { cid: shard.node.cid.toString(), bytes: shard.node.bytes }
}

/**
 * The shard with its blocks copied into one buffer of its own. A rebuilt shard is a view of a
 * stripe buffer that the next stripe reuses, and a store may keep a block beyond its return (a
 * blockstore's write queue, a block stream's send queue, bitswap sending it on).
 */
function ownedShard (shard: EncodedShard): EncodedShard {
  const own = new Uint8Array(shard.blocks.reduce((n, b) => n + b.bytes.byteLength, 0))
  let at = 0
  const blocks = shard.blocks.map(b => {
    own.set(b.bytes, at)
    at += b.bytes.byteLength
    return { cid: b.cid, bytes: own.subarray(at - b.bytes.byteLength, at) }
  })
  return { ...shard, blocks }
}

/** Stores blocks on a peer (this one through its own IPFS node). */
export async function storeOn (ctx: ErasureContext, peer: string, blocks: AsyncIterable<IpfsBlock>, opts: Signalled): Promise<void> {
  await storeBlocks({ self: ctx.peerId, ipfs: ctx.ipfs, remote: ctx.remote }, peer, blocks, opts)
}

/** Asks a holder's tracker to pin a CID again (its pin is unchanged, its blocks are back). */
async function recoverOn (ctx: ErasureContext, peer: string, cid: string, opts: Signalled): Promise<void> {
  if (peer === ctx.peerId) await ctx.tracker.recover(cid, opts)
  else await ctx.remote.recover(peer, cid, opts)
}

/**
 * Places the rebuilt shards of one stripe. `states` is the stripe as cluster state saw it (with
 * the losses the read found); `load` counts shards given to each peer in this run, so repairs
 * of many stripes spread over peers. The shards are copied out of their stripe buffer before
 * this returns its promise: the caller may give the buffer to the next stripe at once.
 */
export async function placeRebuilt (
  ctx: ErasureContext, file: EcFile, states: readonly ShardState[], rebuilt: readonly EncodedShard[],
  load: Map<string, number>, opts: Signalled = {}
): Promise<PlaceResult> {
  // first, before any await (see above)
  const shards = rebuilt.map(ownedShard)
  const out: PlaceResult = { placed: [], errors: [] }
  if (rebuilt.length === 0) return out
  const positionOf = (s: EncodedShard): number => s.kind === 'data' ? s.index : file.d + s.index
  const rebuiltPositions = new Set(shards.map(positionOf))
  // peers that keep a shard of this stripe: no second shard may go to them
  const keep = states.filter(s => !rebuiltPositions.has(s.position) && s.holder !== '').map(s => s.holder)
  for (const shard of shards) {
    const position = positionOf(shard)
    const st = states.find(s => s.position === position)
    const pin = file.shards.get(shardKey(st?.stripe ?? 0, position))
    const stripe = st?.stripe ?? 0
    if (pin == null || st == null) {
      out.errors.push(`stripe ${stripe} shard ${position}: no shard pin in the pinset`)
      continue
    }
    const old = st.holder
    let target: string | undefined
    try {
      target = placeRepair({
        stripePeers: keep,
        ranking: ctx.ranking(),
        groupOf: ctx.groupOf,
        count: 1,
        exclude: old !== '' ? [old] : [],
        load: p => load.get(p) ?? 0
      })[0]
    } catch (err) {
      if (!(err instanceof NotEnoughShardPeersError)) throw err
      // every live peer already holds a shard of this stripe: the old holder may take it back
      // if it is alive and only lost the pin or blocks (never a holder that served corrupt bytes)
      const oldAlive = old !== '' && ctx.peerset().includes(old)
      if (!oldAlive || st.verdict === 'corrupt') {
        out.errors.push(`stripe ${stripe} ${shard.kind} ${shard.index}: rebuilt but not re-placed: ${err.message}`)
        continue
      }
      target = old
    }
    try {
      await storeOn(ctx, target, blocksOf(shard), opts)
      if (target === old) {
        await recoverOn(ctx, target, pin.cid, opts)
      } else {
        await ctx.commitPin(movedPin(pin, target), opts)
      }
      const bytes = shard.blocks.reduce((n, b) => n + b.bytes.byteLength, 0)
      ctx.recordRepair(bytes)
      load.set(target, (load.get(target) ?? 0) + 1)
      keep.push(target)
      out.placed.push({ stripe, position, cid: pin.cid, holder: target })
      ctx.logger.info({ shard: pin.cid, stripe, position, from: old, to: target, bytes }, 'erasure shard repaired')
    } catch (err) {
      opts.signal?.throwIfAborted()
      out.errors.push(`stripe ${stripe} ${shard.kind} ${shard.index}: storing on ${target} failed: ${errorMessage(err)}`)
    }
  }
  return out
}

function movedPin (pin: Pin, holder: string): Pin {
  return { ...pin, allocations: [holder], user_allocations: null }
}
