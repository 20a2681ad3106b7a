// Automatic repair (EC rule 6): once a holder of an EC file has been out of the peerset for
// ec_repair_grace_period (outages.ts says since when), the file is repaired as ecrecovery
// would. Each file is repaired by one peer only: the live trusted peer closest to its content
// root (closest.ts), so peers need no coordination. A peer that comes back within the grace
// period costs nothing: restarts and short partitions never move data.
//
// A sweep runs when an alerted peer's grace period ends, and every grace period besides. The
// periodic sweep is what makes the rule hold whoever is responsible: shards a pass could not
// place (no peer free of their stripe) go to a peer that joins later; a file whose closest peer
// changed (a peer joined, or the responsible one failed too) is repaired by its new closest
// peer, which never saw the alert; a daemon restarted while a holder stays dead repairs it too.
//
// Every sweep also audits the placement of the files this peer is responsible for (from their
// pins only, so it is free while placement is fine) and moves shards that share a peer or a
// tag group with another shard of their stripe (placement-audit.ts), as ecrecovery --check does.
import { errorMessage } from '../../api/errors.js'
import { closestPeer } from '../closest.js'
import type { ErasureContext } from './context.js'
import { OutageClock } from './outages.js'
import type { EcRecoveryReport } from '../../api/types.js'
import { checkPlacement } from './placement-fix.js'
import type { PlacementRun } from './repair-place.js'
import { newRepairRun, repairFile } from './recover.js'
import { listEcFiles } from './status-files.js'
import type { EcFile } from './status-files.js'

export class EcAutoRepair {
  private readonly ctx: ErasureContext
  readonly outages: OutageClock
  private readonly stopped = new AbortController()
  private timer?: NodeJS.Timeout
  private timerAt = Infinity
  private running = false
  /** a sweep was due while one ran: run another when it ends */
  private again = false

  constructor (ctx: ErasureContext) {
    this.ctx = ctx
    this.outages = new OutageClock(ctx, ctx.config.ec_repair_grace_period)
  }

  private get grace (): number {
    return this.ctx.config.ec_repair_grace_period
  }

  /** Starts the periodic sweep. */
  start (): void {
    this.schedule(Date.now() + this.grace)
  }

  /** A ping alert for `peer`, out since `since` (ms): a sweep runs when its grace period ends. */
  peerDown (peer: string, since: number): void {
    if (this.stopped.signal.aborted || peer === this.ctx.peerId) return
    this.outages.down(peer, since)
    const due = this.outages.nextDue()
    if (due != null) this.schedule(due)
  }

  stop (): void {
    this.stopped.abort()
    clearTimeout(this.timer)
  }

  /** Arms the next sweep for `at` unless one is already armed earlier. */
  private schedule (at: number): void {
    if (this.stopped.signal.aborted || at >= this.timerAt) return
    clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => { void this.run() }, Math.max(0, at - Date.now()))
    this.timer.unref()
  }

  private async run (): Promise<void> {
    this.timer = undefined
    this.timerAt = Infinity
    if (this.running) {
      this.again = true
      return
    }
    this.running = true
    // the sweep judges outages at `at`; a peer not yet overdue then (a timer may fire a
    // little early) gets its own sweep below
    const at = Date.now()
    try {
      await this.sweep(at)
    } finally {
      this.running = false
    }
    const now = Date.now()
    this.schedule(this.again ? now : now + this.grace)
    this.again = false
    const due = this.outages.nextDue(at)
    if (due != null) this.schedule(due)
  }

  /**
   * Repairs the EC files this peer is responsible for that have a shard or tree copy on a
   * holder out for the grace period at `now`.
   */
  async sweep (now = Date.now()): Promise<void> {
    const ctx = this.ctx
    const signal = this.stopped.signal
    if (signal.aborted) return
    try {
      const peerset = new Set(ctx.peerset())
      const trusted = [...peerset].filter(p => ctx.consensus.isTrustedPeer(p))
      let run: ReturnType<typeof newRepairRun> | undefined
      // what the sweep's repairs and moves share: the shards given to each peer, the peers avoided
      const placement: PlacementRun = { load: new Map(), avoid: new Set() }
      for (const file of await listEcFiles(ctx, { signal })) {
        if (closestPeer(file.meta.cid, trusted) !== ctx.peerId) continue
        const holders = new Set([...file.shards.values(), ...(file.tree != null ? [file.tree] : [])].flatMap(p => p.allocations ?? []))
        const out = [...holders].filter(h => this.outages.overdue(h, now, peerset))
        let rebuilt: EcRecoveryReport['rebuilt'] = []
        if (out.length > 0) {
          run ??= newRepairRun(ctx, placement)
          const report = await repairFile(ctx, file, run, { signal })
          rebuilt = report.rebuilt
          if (report.lost.length > 0) {
            ctx.logger.info({ cid: file.meta.cid, peers: out, lost: report.lost.length, rebuilt: report.rebuilt.length, new_holders: report.new_holders, errors: report.errors }, 'automatic erasure repair')
          }
        }
        await this.auditFile(file, rebuilt, placement)
      }
    } catch (err) {
      if (!signal.aborted) ctx.logger.error({ err: errorMessage(err) }, 'automatic erasure repair failed')
    }
  }

  /**
   * The placement audit of one file (from its pins: free when nothing is misplaced), and the
   * moves it calls for. A shard with nowhere to go is logged at every sweep until a peer can
   * take it.
   */
  private async auditFile (file: EcFile, rebuilt: EcRecoveryReport['rebuilt'], placement: PlacementRun): Promise<void> {
    const ctx = this.ctx
    const report: EcRecoveryReport = { cid: file.meta.cid, name: file.meta.name, lost: [], rebuilt, new_holders: [] }
    try {
      await checkPlacement(ctx, file, report, placement, { signal: this.stopped.signal })
    } catch (err) {
      if (this.stopped.signal.aborted) return
      report.errors = [...(report.errors ?? []), errorMessage(err)]
    }
    if ((report.misplaced ?? []).length === 0 && (report.errors ?? []).length === 0) return
    const fields = { cid: file.meta.cid, misplaced: report.misplaced, moved: report.moved, errors: report.errors }
    if ((report.errors ?? []).length > 0) ctx.logger.warn(fields, 'automatic erasure placement check: misplaced shards left in place')
    else ctx.logger.info(fields, 'automatic erasure placement check: misplaced shards moved')
  }
}
