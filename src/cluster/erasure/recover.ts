// ecrecovery and the automatic repair: for an EC file, find its lost shards from cluster state
// (and holders that no longer have the blocks they pin), rebuild exactly those from surviving
// shards of their stripe (lost parity is re-encoded), re-home them and update their pins.
// A healthy file costs status calls only: no shard is fetched and nothing moves. With `check`
// (ecrecovery --check), each file's placement is audited after its repair, from its pins.
import { CID } from 'multiformats/cid'
import { errorMessage } from '../../api/errors.js'
import type { EcRecoveryReport } from '../../api/types.js'
import { decodeTreeNode } from '../../erasure/tree-node.js'
import { StripeBuffers } from '../../erasure/stripe-buffers.js'
import type { Signalled } from '../components.js'
import type { ErasureContext } from './context.js'
import { blockFromHolders } from './get-fetch.js'
import { readStripe } from './get-stripe.js'
import { HedgeMemory } from './hedge.js'
import { lostByStripe } from './get.js'
import { checkPlacement } from './placement-fix.js'
import { avoidUnreachable, placeRebuilt } from './repair-place.js'
import type { PlacementRun } from './repair-place.js'
import { repairTree } from './repair-tree.js'
import type { EcFile } from './status-files.js'
import { listEcFiles, readManifest } from './status-files.js'
import { HolderStatus, assessFile, probeHolders } from './status-shards.js'

export interface RepairRun extends PlacementRun {
  statuses: HolderStatus
  /** one stripe buffer for every stripe the run rebuilds (freed after each file) */
  buffers: StripeBuffers
  /** holders found slow in this run: read last for the rest of it */
  hedge: HedgeMemory
}

/** A repair run; `placement` when its load and avoided peers are shared with placement checks. */
export function newRepairRun (ctx: ErasureContext, placement: PlacementRun = { load: new Map(), avoid: new Set() }): RepairRun {
  return { statuses: new HolderStatus(ctx, { bulk: true }), load: placement.load, avoid: placement.avoid, buffers: new StripeBuffers({ reserve: ctx.stripeReserve }), hedge: new HedgeMemory() }
}

/** Finds and repairs the lost shards (and tree copies) of one file. Errors end up in the report. */
export async function repairFile (ctx: ErasureContext, file: EcFile, run: RepairRun, opts: Signalled = {}): Promise<EcRecoveryReport> {
  const report: EcRecoveryReport = { cid: file.meta.cid, name: file.meta.name, lost: [], rebuilt: [], new_holders: [] }
  const errors: string[] = []
  try {
    const manifest = await readManifest(ctx, file, opts)
    const state = await assessFile(ctx, file, manifest, run.statuses, opts)
    let treeCids: CID[] = []
    if (manifest.tree != null && state.tree != null) {
      const holders = state.tree.holders.filter(h => !(state.tree?.lost ?? []).includes(h))
      try {
        treeCids = decodeTreeNode(await blockFromHolders(ctx, holders, manifest.tree, new Set(), opts.signal, run.hedge)).blocks.map(([c]) => c)
      } catch (err) {
        opts.signal?.throwIfAborted()
        errors.push(`tree: ${errorMessage(err)}`)
      }
    }
    await probeHolders(ctx, manifest, state, manifest.tree != null ? [manifest.tree, ...treeCids].map(c => c.toString()) : undefined, opts)
    // a holder that just died is still ranked until its metrics expire: no shard goes to it
    avoidUnreachable(run, state.stripes.flat())
    const lost = lostByStripe(state)
    report.lost = lost.flat()
    // a stripe's rebuilt shards go to their new holders while the next stripe is read: two
    // stripes in memory at most, and reads and writes overlap
    let placing: Promise<void> = Promise.resolve()
    for (const [index, l] of lost.entries()) {
      if (l.length === 0) continue
      if (l.length > file.p) {
        errors.push(`stripe ${index} is unrecoverable: ${l.length} shards lost, ${file.p} parity`)
        continue
      }
      try {
        const read = await readStripe(ctx, manifest, index, state.stripes[index], { ...opts, buffers: run.buffers, hedge: run.hedge })
        // the read may find more losses (a corrupt or unreadable survivor): report those too
        for (const x of read.lost) if (!report.lost.some(y => y.stripe === x.stripe && y.position === x.position)) report.lost.push(x)
        // one placement at a time: each sees the load the one before gave
        await placing
        placing = placeRebuilt(ctx, file, state.stripes[index], read.result.rebuilt, run, opts).then(r => {
          report.rebuilt.push(...r.placed)
          errors.push(...r.errors)
        }, err => {
          errors.push(`stripe ${index}: ${errorMessage(err)}`)
        })
        // placeRebuilt copied the rebuilt shards out: the next stripe's read takes the buffer,
        // so one stripe buffer and the rebuilt shards of the stripe before are in memory
        run.buffers.give(read.result.buffer)
      } catch (err) {
        opts.signal?.throwIfAborted()
        errors.push(`stripe ${index}: ${errorMessage(err)}`)
      }
    }
    await placing
    opts.signal?.throwIfAborted()
    if (state.tree != null && state.tree.lost.length > 0) report.tree_lost = [...new Set(state.tree.lost)].sort()
    if (manifest.tree != null && treeCids.length > 0 && (state.tree?.lost.length ?? 0) > 0) {
      const t = await repairTree(ctx, file, state, manifest.tree, treeCids, run.avoid, opts)
      if (t.copies.length > 0) report.tree_copies = t.copies
      errors.push(...t.errors)
    }
  } catch (err) {
    opts.signal?.throwIfAborted()
    errors.push(errorMessage(err))
  }
  // the file's stripes are read and their rebuilt shards placed (copies): nothing views the buffer
  run.buffers.release()
  report.new_holders = [...new Set([...report.rebuilt.map(r => r.holder), ...(report.tree_copies ?? [])])].sort()
  if (errors.length > 0) report.errors = errors
  return report
}

export interface EcRecoveryOptions extends Signalled {
  /**
   * Also audit placement after the repair (ecrecovery --check): shards sharing a peer or a tag
   * group with another shard of their stripe are moved (placement-audit.ts, placement-fix.ts).
   */
  check?: boolean
}

/** ecrecovery: every EC file of the pinset, one report each, in pinset order. */
export async function * ecRecovery (ctx: ErasureContext, opts: EcRecoveryOptions = {}): AsyncIterable<EcRecoveryReport> {
  const run = newRepairRun(ctx)
  const signalled: Signalled = { signal: opts.signal }
  for (const file of await listEcFiles(ctx, signalled)) {
    opts.signal?.throwIfAborted()
    const report = await repairFile(ctx, file, run, signalled)
    if (opts.check === true) {
      try {
        await checkPlacement(ctx, file, report, run, signalled)
      } catch (err) {
        opts.signal?.throwIfAborted()
        report.errors = [...(report.errors ?? []), `placement check: ${errorMessage(err)}`]
      }
    }
    yield report
  }
}
