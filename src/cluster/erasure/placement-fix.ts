// Carries out the placement audit's moves (placement-audit.ts). A misplaced shard is copied to
// its new holder first, straight from its current holder's disk (each block checked against
// its CID), or rebuilt from the rest of its stripe when the holder cannot give it; then its
// shard pin's allocation is changed, so the new holder's tracker pins blocks it already has,
// and the old holder's tracker unpins it. Nothing is read or moved when the plan is empty.
import type { CID } from 'multiformats/cid'
import { ClusterError, errorMessage } from '../../api/errors.js'
import type { EcRecoveryReport, MovedShardInfo, Pin } from '../../api/types.js'
import { verifyBlock } from '../../erasure/blocks.js'
import type { EncodedShard, Manifest, ShardRef } from '../../erasure/types.js'
import type { IpfsBlock } from '../../ipfs/connector.js'
import { localBlocks } from '../../ipfs/local-blocks.js'
import { withProgressTimeout } from '../../ipfs/timeouts.js'
import type { Signalled } from '../components.js'
import type { ErasureContext } from './context.js'
import { readStripe } from './get-stripe.js'
import type { AuditEnv, PlannedMove } from './placement-audit.js'
import { auditPlacement, stripeHolders } from './placement-audit.js'
import { storeOn } from './repair-place.js'
import type { EcFile } from './status-files.js'
import { readManifest, shardKey } from './status-files.js'
import type { ShardState } from './status-shards.js'

/** One block must come within this time of the one before while a shard is copied. */
const BLOCK_TIMEOUT = 60_000

/** An audit environment over the live cluster; `load` is the run's (repairs and moves). */
export function auditEnv (ctx: ErasureContext, load: Map<string, number>): AuditEnv {
  return {
    live: new Set(ctx.peerset()),
    ranking: () => ctx.ranking(),
    groupOf: ctx.groupOf,
    load: p => load.get(p) ?? 0
  }
}

export interface PlacementFix {
  moved: MovedShardInfo[]
  errors: string[]
}

/**
 * Audits one file's placement and moves its misplaced shards. Fills `report.misplaced`,
 * `report.moved` (present, maybe empty) and appends to `report.errors`. `file` reflects the
 * pinset as read (the shards `report.rebuilt` re-homed are applied to it first).
 */
export async function checkPlacement (ctx: ErasureContext, file: EcFile, report: EcRecoveryReport, load: Map<string, number>, opts: Signalled = {}): Promise<void> {
  for (const r of report.rebuilt) {
    const pin = file.shards.get(shardKey(r.stripe, r.position))
    if (pin != null) file.shards.set(shardKey(r.stripe, r.position), { ...pin, allocations: [r.holder] })
  }
  const plan = auditPlacement(file, auditEnv(ctx, load))
  report.misplaced = plan.misplaced
  report.moved = []
  const errors = [...plan.stuck]
  if (plan.moves.length > 0) {
    const fix = await moveShards(ctx, file, plan.moves, load, opts)
    report.moved = fix.moved
    errors.push(...fix.errors)
  }
  if (errors.length > 0) report.errors = [...(report.errors ?? []), ...errors]
}

/** Copies each shard to its target, then points its pin there. One shard at a time. */
export async function moveShards (ctx: ErasureContext, file: EcFile, moves: readonly PlannedMove[], load: Map<string, number>, opts: Signalled = {}): Promise<PlacementFix> {
  const out: PlacementFix = { moved: [], errors: [] }
  let manifest: Manifest | undefined
  for (const m of moves) {
    opts.signal?.throwIfAborted()
    const what = `stripe ${m.stripe} shard ${m.position}`
    try {
      manifest ??= await readManifest(ctx, file, opts)
      const ref = refOf(manifest, file, m)
      // the pin may have changed since the pinset was read (a repair, another audit)
      const pin = await ctx.consensus.get(m.cid, opts)
      if (pin.allocations?.[0] !== m.from) {
        out.errors.push(`${what}: its pin changed while being moved (now on ${pin.allocations?.[0] ?? 'no peer'}); left as it is`)
        continue
      }
      let bytes: number
      try {
        bytes = await copyShard(ctx, m.from, m.to, ref, opts)
      } catch (err) {
        opts.signal?.throwIfAborted()
        ctx.logger.info({ shard: m.cid, from: m.from, to: m.to, err: errorMessage(err) }, 'misplaced erasure shard cannot be copied from its holder: rebuilding it from its stripe')
        bytes = await rebuildOnto(ctx, file, manifest, m, opts)
      }
      await ctx.commitPin(movedPin(pin, m.to), opts)
      ctx.recordRepair(bytes)
      load.set(m.to, (load.get(m.to) ?? 0) + 1)
      file.shards.set(shardKey(m.stripe, m.position), movedPin(pin, m.to))
      out.moved.push({ stripe: m.stripe, position: m.position, cid: m.cid, from: m.from, to: m.to })
      ctx.logger.info({ shard: m.cid, stripe: m.stripe, position: m.position, from: m.from, to: m.to, bytes }, 'misplaced erasure shard moved')
    } catch (err) {
      opts.signal?.throwIfAborted()
      out.errors.push(`${what}: moving from ${m.from} to ${m.to} failed: ${errorMessage(err)}`)
    }
  }
  return out
}

function refOf (manifest: Manifest, file: EcFile, m: PlannedMove): ShardRef {
  const stripe = manifest.stripes[m.stripe]
  const ref = m.position < file.d ? stripe?.data[m.position] : stripe?.parity[m.position - file.d]
  if (ref == null) throw new ClusterError(`the manifest has no shard ${m.position} in stripe ${m.stripe}`, 500)
  if (ref.node.toString() !== m.cid) throw new ClusterError(`the shard pin ${m.cid} is not the manifest's shard node ${ref.node.toString()}`, 500)
  return ref
}

function movedPin (pin: Pin, holder: string): Pin {
  return { ...pin, allocations: [holder], user_allocations: null }
}

/** Streams a shard (leaves, then its node) from one holder's disk to another peer. */
async function copyShard (ctx: ErasureContext, from: string, to: string, ref: ShardRef, opts: Signalled): Promise<number> {
  const cids: CID[] = [...ref.blocks.map(([c]) => c), ref.node]
  const names = cids.map(c => c.toString())
  let bytes = 0
  await withProgressTimeout(BLOCK_TIMEOUT, opts.signal, async (signal, progress) => {
    const source = from === ctx.peerId ? localBlocks(ctx.ipfs, names, { signal }) : ctx.remote.blocksGetLocal(from, names, { signal })
    async function * verified (): AsyncIterable<IpfsBlock> {
      let i = 0
      for await (const block of source) {
        progress()
        if (i >= cids.length) break
        if (block === undefined) throw new ClusterError(`${from} does not hold block ${names[i]}`, 500)
        if (!(await verifyBlock(cids[i], block))) throw new ClusterError(`block ${names[i]} from ${from} does not match its CID`, 500)
        bytes += block.byteLength
        yield { cid: names[i], bytes: block }
        i++
      }
      if (i < cids.length) throw new ClusterError(`${from} sent ${i} of the shard's ${cids.length} blocks`, 500)
    }
    await storeOn(ctx, to, verified(), { signal })
  })
  return bytes
}

/** Rebuilds the shard from the other shards of its stripe and stores it on the target. */
async function rebuildOnto (ctx: ErasureContext, file: EcFile, manifest: Manifest, m: PlannedMove, opts: Signalled): Promise<number> {
  const holders = stripeHolders(file, m.stripe)
  const live = new Set(ctx.peerset())
  const states: ShardState[] = holders.map((holder, position) => ({
    stripe: m.stripe,
    kind: position < file.d ? 'data' : 'parity',
    index: position < file.d ? position : position - file.d,
    position,
    cid: file.shards.get(shardKey(m.stripe, position))?.cid ?? '',
    holder,
    verdict: position === m.position ? 'failed' : holder === '' ? 'missing' : live.has(holder) ? 'healthy' : 'down'
  }))
  // no shared buffer pool: the rebuilt blocks stay valid while the store may still hold them
  const read = await readStripe(ctx, manifest, m.stripe, states, { signal: opts.signal })
  const shard = read.result.rebuilt.find(s => (s.kind === 'data' ? s.index : file.d + s.index) === m.position)
  if (shard == null) throw new ClusterError('the stripe read did not rebuild it', 500)
  await storeOn(ctx, m.to, blocksOf(shard), opts)
  return shard.blocks.reduce((n, b) => n + b.bytes.byteLength, 0) + shard.node.bytes.byteLength
}

async function * blocksOf (shard: EncodedShard): AsyncIterable<IpfsBlock> {
  for (const b of shard.blocks) yield { cid: b.cid.toString(), bytes: b.bytes }
  yield { cid: shard.node.cid.toString(), bytes: shard.node.bytes }
}
