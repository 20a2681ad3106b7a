// Automatic repair (EC rule 6): when a peer's ping alert arrives, wait ec_repair_grace_period;
// if the peer is still out of the peerset then, repair the EC files that had shards (or tree
// copies) on it. Each file is repaired by one peer only: the live trusted peer closest to its
// content root (closest.ts), so peers need no coordination. A peer that comes back within the
// grace period costs nothing: restarts and short partitions never move data. A pass that left
// shards lost (no peer free of the stripe to take a rebuilt shard, a survivor unreachable) is
// tried again every grace period while the peer stays out, so a peer that joins meanwhile
// receives them without anyone running ecrecovery.
import { errorMessage } from '../../api/errors.js'
import { closestPeer } from '../closest.js'
import type { ErasureContext } from './context.js'
import { newRepairRun, repairFile } from './recover.js'
import { listEcFiles } from './status-files.js'

export class EcAutoRepair {
  private readonly ctx: ErasureContext
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private readonly stopped = new AbortController()
  /** one repair pass at a time: several peers failing together share the next pass */
  private running: Promise<void> = Promise.resolve()

  constructor (ctx: ErasureContext) {
    this.ctx = ctx
  }

  /** A ping alert for `peer`: schedules a check after the grace period (once per outage). */
  peerDown (peer: string): void {
    if (this.stopped.signal.aborted || this.timers.has(peer) || peer === this.ctx.peerId) return
    const t = setTimeout(() => {
      this.timers.delete(peer)
      this.running = this.running.then(async () => {
        const pass = await this.check(peer)
        if (pass.left > 0 && !this.ctx.peerset().includes(peer)) this.peerDown(peer)
      })
    }, this.ctx.config.ec_repair_grace_period)
    t.unref()
    this.timers.set(peer, t)
  }

  stop (): void {
    this.stopped.abort()
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
  }

  /**
   * Repairs the files with shards on `peer` that this peer is responsible for: the shards
   * rebuilt and placed, and those still lost after the pass.
   */
  async check (peer: string): Promise<{ repaired: number, left: number }> {
    const ctx = this.ctx
    const signal = this.stopped.signal
    if (signal.aborted || ctx.peerset().includes(peer)) return { repaired: 0, left: 0 }
    let repaired = 0
    let left = 0
    try {
      const trusted = ctx.peerset().filter(p => ctx.consensus.isTrustedPeer(p))
      const run = newRepairRun(ctx)
      for (const file of await listEcFiles(ctx, { signal })) {
        const onPeer = [...file.shards.values()].some(s => (s.allocations ?? []).includes(peer)) || (file.tree?.allocations ?? []).includes(peer)
        if (!onPeer || closestPeer(file.meta.cid, trusted) !== ctx.peerId) continue
        const report = await repairFile(ctx, file, run, { signal })
        repaired += report.rebuilt.length
        left += Math.max(0, report.lost.length - report.rebuilt.length)
        if (report.lost.length > 0) {
          ctx.logger.info({ cid: file.meta.cid, peer, lost: report.lost.length, rebuilt: report.rebuilt.length, new_holders: report.new_holders, errors: report.errors }, 'automatic erasure repair')
        }
      }
    } catch (err) {
      if (!signal.aborted) ctx.logger.error({ peer, err: errorMessage(err) }, 'automatic erasure repair failed')
      left++
    }
    return { repaired, left }
  }
}
