// How long each peer has been out of the peerset, for automatic repair. An outage starts when
// the peer's last ping expired: the ping alert says so, and the monitor's latest ping says when
// a peer that came back left again (before its new alert arrives). A peer this daemon never
// heard from is counted as out since the daemon started: a holder that died while this peer was
// down, or before it joined, is still repaired once it has been out for the grace period.
import type { ErasureContext } from './context.js'

export class OutageClock {
  private readonly ctx: Pick<ErasureContext, 'monitor' | 'peerset'>
  private readonly grace: number
  private readonly startedAt: number
  /** outage start (ms) per peer, from ping alerts */
  private readonly alerted = new Map<string, number>()

  constructor (ctx: Pick<ErasureContext, 'monitor' | 'peerset'>, grace: number, startedAt = Date.now()) {
    this.ctx = ctx
    this.grace = grace
    this.startedAt = startedAt
  }

  /** A ping alert: `peer` has been out since `since` (ms). */
  down (peer: string, since: number): void {
    this.alerted.set(peer, Math.max(since, this.alerted.get(peer) ?? 0))
  }

  /** When the peer's current outage began (ms); undefined while it is in the peerset. */
  since (peer: string, peerset: ReadonlySet<string> = new Set(this.ctx.peerset())): number | undefined {
    if (peerset.has(peer)) return undefined
    const m = this.ctx.monitor.latestForPeer('ping', peer)
    const known = Math.max(this.alerted.get(peer) ?? 0, m == null ? 0 : m.expire / 1e6)
    return known > 0 ? known : this.startedAt
  }

  /** Whether the peer has been out for at least the grace period at `now`. */
  overdue (peer: string, now = Date.now(), peerset?: ReadonlySet<string>): boolean {
    const since = this.since(peer, peerset)
    return since != null && since + this.grace <= now
  }

  /**
   * The earliest time after `now` at which an alerted peer that is still out becomes overdue,
   * or undefined. Peers back in the peerset are forgotten here.
   */
  nextDue (now = Date.now()): number | undefined {
    const peerset = new Set(this.ctx.peerset())
    let next: number | undefined
    for (const peer of this.alerted.keys()) {
      const since = this.since(peer, peerset)
      if (since == null) {
        this.alerted.delete(peer)
        continue
      }
      const due = since + this.grace
      if (due > now && (next == null || due < next)) next = due
    }
    return next
  }
}
