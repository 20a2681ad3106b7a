// Re-homing rebuilt shards (EC rule 5): each goes to a live peer holding no other shard of its
// stripe (distinct tag groups first), chosen by placeRepair from the allocator's ranking, the
// same rule the add uses. Its blocks are stored there first, then the shard pin's allocation
// is changed, so the new holder's tracker pins blocks it already has. When no such peer is
// left, a shard whose old holder is alive and only lost its pin is stored back on it.
//
// A peer that just died stays in the allocator's ranking until its metrics expire (metric_ttl,
// 30 s by default), so a repair started soon after a failure would pick the other dead holder
// of the same stripe as a new home. A run therefore avoids the holders it found unreachable
// (PlacementRun.avoid), and a shard whose store fails goes to the next candidate instead.
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

/**
 * What the placements of one run share: the shards given to each peer (repairs of many stripes
 * spread over peers) and the peers not to choose: holders the run could not reach, and targets
 * a store failed on.
 */
export interface PlacementRun {
  load: Map<string, number>
  avoid: Set<string>
}

/** How many new homes one shard is tried on before it is reported not re-placed (or not moved). */
export const TARGETS_PER_SHARD = 3

/** Verdicts that say the holder itself could not be reached (not that it lost the shard). */
const UNREACHABLE: ReadonlySet<string> = new Set(['down', 'unreachable', 'slow', 'failed'])

/** Adds the holders of `shards` that could not be reached (assessed or read) to the run's avoid set. */
export function avoidUnreachable (run: PlacementRun, shards: Iterable<ShardState>): void {
  for (const s of shards) if (s.holder !== '' && UNREACHABLE.has(s.verdict)) run.avoid.add(s.holder)
}

/** A shard's blocks as a store takes them: leaves first, the shard node last (what the holder pins). */
export async function * shardBlocks (shard: EncodedShard): AsyncIterable<IpfsBlock> {
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
 * the losses the read found); `run` is what this run's placements share. The shards are copied
 * out of their stripe buffer before this returns its promise: the caller may give the buffer to
 * the next stripe at once.
 */
export async function placeRebuilt (
  ctx: ErasureContext, file: EcFile, states: readonly ShardState[], rebuilt: readonly EncodedShard[],
  run: PlacementRun, opts: Signalled = {}
): Promise<PlaceResult> {
  // first, before any await (see above)
  const shards = rebuilt.map(ownedShard)
  const out: PlaceResult = { placed: [], errors: [] }
  if (rebuilt.length === 0) return out
  const positionOf = (s: EncodedShard): number => s.kind === 'data' ? s.index : file.d + s.index
  const rebuiltPositions = new Set(shards.map(positionOf))
  // the stripe's read may have found more holders it could not reach
  avoidUnreachable(run, states)
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
    const what = `stripe ${stripe} ${shard.kind} ${shard.index}`
    const old = st.holder
    const failures: string[] = []
    let target: string | undefined
    for (let tries = 0; tries < TARGETS_PER_SHARD; tries++) {
      const home = newHome(ctx, keep, old, st.verdict, run)
      if (home instanceof NotEnoughShardPeersError) {
        failures.push(`rebuilt but not re-placed: ${home.message}`)
        break
      }
      try {
        await storeOn(ctx, home, shardBlocks(shard), opts)
      } catch (err) {
        opts.signal?.throwIfAborted()
        failures.push(`storing on ${home} failed: ${errorMessage(err)}`)
        run.avoid.add(home)
        continue
      }
      try {
        if (home === old) await recoverOn(ctx, home, pin.cid, opts)
        else await ctx.commitPin(movedPin(pin, home), opts)
        target = home
      } catch (err) {
        opts.signal?.throwIfAborted()
        failures.push(`stored on ${home}, but pinning it there failed: ${errorMessage(err)}`)
      }
      break
    }
    if (target == null) {
      out.errors.push(`${what}: ${failures.join('; ')}`)
      continue
    }
    const bytes = shard.blocks.reduce((n, b) => n + b.bytes.byteLength, 0)
    ctx.recordRepair(bytes)
    run.load.set(target, (run.load.get(target) ?? 0) + 1)
    keep.push(target)
    out.placed.push({ stripe, position, cid: pin.cid, holder: target })
    ctx.logger.info({ shard: pin.cid, stripe, position, from: old, to: target, bytes }, 'erasure shard repaired')
  }
  return out
}

/**
 * The next peer to try for a rebuilt shard: a live peer holding no shard of its stripe and not
 * avoided by the run; when there is none, its old holder if that one is alive, not avoided, and
 * only lost its pin or blocks (never a holder that served corrupt bytes); else why not.
 */
function newHome (ctx: ErasureContext, keep: readonly string[], old: string, verdict: ShardState['verdict'], run: PlacementRun): string | NotEnoughShardPeersError {
  try {
    return placeRepair({
      stripePeers: keep,
      ranking: ctx.ranking(),
      groupOf: ctx.groupOf,
      count: 1,
      exclude: [...run.avoid, ...(old !== '' ? [old] : [])],
      load: p => run.load.get(p) ?? 0
    })[0]
  } catch (err) {
    if (!(err instanceof NotEnoughShardPeersError)) throw err
    const oldUsable = old !== '' && ctx.peerset().includes(old) && !run.avoid.has(old) && verdict !== 'corrupt'
    return oldUsable ? old : err
  }
}

function movedPin (pin: Pin, holder: string): Pin {
  return { ...pin, allocations: [holder], user_allocations: null }
}
