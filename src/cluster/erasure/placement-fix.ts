// Carries out the placement audit's moves (placement-audit.ts). A misplaced shard is copied to
// its new holder first, straight from its current holder's disk (each block checked against
// its CID), or rebuilt from the rest of its stripe when the holder cannot give it; then its
// shard pin's allocation is changed, so the new holder's tracker pins blocks it already has,
// and the old holder's tracker unpins it. A target that cannot store it (a peer that just died
// is still ranked until its metrics expire) is avoided for the rest of the run and the shard
// goes to the next one. Nothing is read or moved when the plan is empty.
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
import { auditPlacement, auditStripe, stripeHolders } from './placement-audit.js'
import type { PlacementRun } from './repair-place.js'
import { shardBlocks, storeOn, TARGETS_PER_SHARD } from './repair-place.js'
import type { EcFile } from './status-files.js'
import { readManifest, shardKey } from './status-files.js'
import type { ShardState } from './status-shards.js'

/** One block must come within this time of the one before while a shard is copied. */
const BLOCK_TIMEOUT = 60_000

/**
 * An audit environment over the live cluster and what the run shares: the shards it gave each
 * peer and the peers it avoids (holders it could not reach, targets a store failed on).
 */
export function auditEnv (ctx: ErasureContext, run: PlacementRun): AuditEnv {
  return {
    live: new Set(ctx.peerset()),
    ranking: () => ctx.ranking(),
    groupOf: ctx.groupOf,
    load: p => run.load.get(p) ?? 0,
    avoid: run.avoid
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
export async function checkPlacement (ctx: ErasureContext, file: EcFile, report: EcRecoveryReport, run: PlacementRun, opts: Signalled = {}): Promise<void> {
  for (const r of report.rebuilt) {
    const pin = file.shards.get(shardKey(r.stripe, r.position))
    if (pin != null) file.shards.set(shardKey(r.stripe, r.position), { ...pin, allocations: [r.holder] })
  }
  const env = auditEnv(ctx, run)
  const plan = auditPlacement(file, env)
  report.misplaced = plan.misplaced
  report.moved = []
  const errors = [...plan.stuck]
  if (plan.moves.length > 0) {
    const fix = await moveShards(ctx, file, [...new Set(plan.moves.map(m => m.stripe))], env, run, opts)
    report.moved = fix.moved
    errors.push(...fix.errors)
  }
  if (errors.length > 0) report.errors = [...(report.errors ?? []), ...errors]
}

/** Storing on a move's target failed (the shard itself was read): another target may take it. */
class TargetStoreError extends Error {}

/**
 * Moves the misplaced shards of `stripes`, one shard at a time. Before each move the stripe is
 * audited again from its pins as moved so far, so a target whose store failed (a peer that just
 * died is still ranked until its metrics expire) joins the run's avoided peers and the shard
 * goes to the next peer the audit picks, up to TARGETS_PER_SHARD of them.
 */
export async function moveShards (ctx: ErasureContext, file: EcFile, stripes: readonly number[], env: AuditEnv, run: PlacementRun, opts: Signalled = {}): Promise<PlacementFix> {
  const out: PlacementFix = { moved: [], errors: [] }
  let manifest: Manifest | undefined
  for (const stripe of stripes) {
    /** positions moved or given up on: not planned again in this run */
    const done = new Set<number>()
    /** failed stores of each position, one message per target tried */
    const failures = new Map<number, string[]>()
    /** shards rebuilt for a target that failed, for the next one */
    const rebuilt = new Map<number, EncodedShard>()
    while (true) {
      opts.signal?.throwIfAborted()
      const m = auditStripe(file, stripe, stripeHolders(file, stripe), env).moves.find(x => !done.has(x.position))
      if (m == null) break
      const what = `stripe ${m.stripe} shard ${m.position}`
      const tried = failures.get(m.position) ?? []
      try {
        manifest ??= await readManifest(ctx, file, opts)
        const ref = refOf(manifest, file, m)
        // the pin may have changed since the pinset was read (a repair, another audit)
        const pin = await ctx.consensus.get(m.cid, opts)
        if (pin.allocations?.[0] !== m.from) {
          out.errors.push(`${what}: its pin changed while being moved (now on ${pin.allocations?.[0] ?? 'no peer'}); left as it is`)
          done.add(m.position)
          continue
        }
        const bytes = await placeShard(ctx, file, manifest, ref, m, rebuilt, opts)
        await ctx.commitPin(movedPin(pin, m.to), opts)
        ctx.recordRepair(bytes)
        run.load.set(m.to, (run.load.get(m.to) ?? 0) + 1)
        file.shards.set(shardKey(m.stripe, m.position), movedPin(pin, m.to))
        done.add(m.position)
        out.moved.push({ stripe: m.stripe, position: m.position, cid: m.cid, from: m.from, to: m.to })
        ctx.logger.info({ shard: m.cid, stripe: m.stripe, position: m.position, from: m.from, to: m.to, bytes }, 'misplaced erasure shard moved')
      } catch (err) {
        opts.signal?.throwIfAborted()
        if (err instanceof TargetStoreError) {
          run.avoid.add(m.to)
          const all = [...tried, `storing on ${m.to} failed: ${err.message}`]
          failures.set(m.position, all)
          if (all.length < TARGETS_PER_SHARD) continue
          out.errors.push(`${what}: moving from ${m.from} failed: ${all.join('; ')}`)
        } else {
          out.errors.push(`${what}: moving from ${m.from} to ${m.to} failed: ${errorMessage(err)}`)
        }
        done.add(m.position)
      }
    }
    // shards whose targets failed and that the audit then had nowhere to send
    for (const [position, tried] of failures) {
      if (!done.has(position)) out.errors.push(`stripe ${stripe} shard ${position}: ${tried.join('; ')}; no other live peer without a shard of the stripe can take it`)
    }
  }
  return out
}

/**
 * Puts the shard of move `m` on its target: copied from its holder, else rebuilt from the rest
 * of its stripe (kept in `rebuilt` should the target fail). Returns the bytes stored; a failure
 * of the target to store is a TargetStoreError.
 */
async function placeShard (
  ctx: ErasureContext, file: EcFile, manifest: Manifest, ref: ShardRef, m: PlannedMove,
  rebuilt: Map<number, EncodedShard>, opts: Signalled
): Promise<number> {
  let shard = rebuilt.get(m.position)
  if (shard == null) {
    try {
      return await copyShard(ctx, m.from, m.to, ref, opts)
    } catch (err) {
      opts.signal?.throwIfAborted()
      if (err instanceof TargetStoreError) throw err
      ctx.logger.info({ shard: m.cid, from: m.from, to: m.to, err: errorMessage(err) }, 'misplaced erasure shard cannot be copied from its holder: rebuilding it from its stripe')
      shard = await rebuildShard(ctx, file, manifest, m, opts)
      rebuilt.set(m.position, shard)
    }
  }
  try {
    await storeOn(ctx, m.to, shardBlocks(shard), opts)
  } catch (err) {
    opts.signal?.throwIfAborted()
    throw new TargetStoreError(errorMessage(err))
  }
  return shard.blocks.reduce((n, b) => n + b.bytes.byteLength, 0) + shard.node.bytes.byteLength
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

/**
 * Streams a shard (leaves, then its node) from one holder's disk to another peer; a TargetStoreError
 * when the other peer failed while the holder did not.
 */
async function copyShard (ctx: ErasureContext, from: string, to: string, ref: ShardRef, opts: Signalled): Promise<number> {
  const cids: CID[] = [...ref.blocks.map(([c]) => c), ref.node]
  const names = cids.map(c => c.toString())
  let bytes = 0
  await withProgressTimeout(BLOCK_TIMEOUT, opts.signal, async (signal, progress) => {
    const source = from === ctx.peerId ? localBlocks(ctx.ipfs, names, { signal }) : ctx.remote.blocksGetLocal(from, names, { signal })
    let sourceFailed = false
    async function * verified (): AsyncIterable<IpfsBlock> {
      try {
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
      } catch (err) {
        sourceFailed = true
        throw err
      }
    }
    try {
      await storeOn(ctx, to, verified(), { signal })
    } catch (err) {
      // the holder gave what was asked and nothing stalled: the target failed, and a rebuild
      // from the stripe would fail on it too
      if (!sourceFailed && !signal.aborted) throw new TargetStoreError(errorMessage(err))
      throw err
    }
  })
  return bytes
}

/** Rebuilds the shard of move `m` from the other shards of its stripe. */
async function rebuildShard (ctx: ErasureContext, file: EcFile, manifest: Manifest, m: PlannedMove, opts: Signalled): Promise<EncodedShard> {
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
  // no shared buffer pool: the rebuilt blocks stay valid while a store may still hold them
  const read = await readStripe(ctx, manifest, m.stripe, states, { signal: opts.signal })
  const shard = read.result.rebuilt.find(s => (s.kind === 'data' ? s.index : file.d + s.index) === m.position)
  if (shard == null) throw new ClusterError('the stripe read did not rebuild it', 500)
  return shard
}
