// Failure detection: a peer has failed for a metric when the latest metric it sent has expired.
// One alert per failure episode: the counter of failed checks is cleared when a valid metric
// arrives, and also after 300 failed checks so that a peer that stays down is reported again
// (about 75 minutes with the default 15 s interval), as upstream does.
import type { Alert } from '../api/types.js'
import { isExpired, systemClock, type Clock } from './metric.js'
import type { MetricsStore } from './store.js'

/** Failed checks after which an alert may fire again for the same episode. */
export const FAILED_CHECKS_RESET = 300
/** Alerts raised per episode before the counter is reset. */
const MAX_ALERTS_PER_EPISODE = 1

export class AlertChecker {
  private readonly store: MetricsStore
  private readonly now: Clock
  /** failed-check counters by peer, then metric name */
  private readonly failed = new Map<string, Map<string, number>>()

  constructor (store: MetricsStore, now: Clock = systemClock) {
    this.store = store
    this.now = now
  }

  /**
   * Looks at the latest metric of every (name, peer) whose metric was sent as valid — with the
   * CRDT consensus the peerset is whoever sends metrics — and returns the alerts to raise now.
   */
  check (): Alert[] {
    const now = this.now()
    const alerts: Alert[] = []
    for (const m of this.store.allLatestValidFlag()) {
      if (!isExpired(m, now)) continue
      let byName = this.failed.get(m.peer)
      if (byName == null) {
        byName = new Map()
        this.failed.set(m.peer, byName)
      }
      const count = (byName.get(m.name) ?? 0) + 1
      byName.set(m.name, count)
      if (count > MAX_ALERTS_PER_EPISODE) {
        if (count >= FAILED_CHECKS_RESET) this.clear(m.peer, m.name)
        continue
      }
      alerts.push({ ...m, triggered_at: new Date(now).toISOString() })
    }
    return alerts
  }

  /** A valid metric arrived: the peer's failure episode for this metric is over. */
  reset (peer: string, name: string): void {
    this.clear(peer, name)
  }

  private clear (peer: string, name: string): void {
    const byName = this.failed.get(peer)
    if (byName == null) return
    byName.delete(name)
    if (byName.size === 0) this.failed.delete(peer)
  }
}
