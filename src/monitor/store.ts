// Metrics by name and by peer, keeping a short window of the last ones (upstream keeps 25 so
// that failure detectors can look at arrival history; here only the latest is read, but the
// window bounds memory the same way whatever a peer sends).
import type { Metric } from '../api/types.js'
import { compareMetrics, isDiscarded, systemClock, type Clock } from './metric.js'

export const WINDOW_CAPACITY = 25

/** The last metrics of one name from one peer, oldest first. */
class MetricWindow {
  private readonly items: Metric[] = []

  add (m: Metric): void {
    this.items.push(m)
    if (this.items.length > WINDOW_CAPACITY) this.items.shift()
  }

  latest (): Metric | undefined {
    return this.items[this.items.length - 1]
  }

  /** Most recent first, as upstream's Window.All. */
  all (): Metric[] {
    return this.items.slice().reverse()
  }
}

export class MetricsStore {
  private readonly byName = new Map<string, Map<string, MetricWindow>>()
  private readonly now: Clock

  constructor (now: Clock = systemClock) {
    this.now = now
  }

  /** Stores a copy of the metric with received_at set to now. */
  add (m: Metric): Metric {
    const stored: Metric = { ...m, received_at: this.now() * 1e6 }
    let byPeer = this.byName.get(m.name)
    if (byPeer == null) {
      byPeer = new Map()
      this.byName.set(m.name, byPeer)
    }
    let window = byPeer.get(m.peer)
    if (window == null) {
      window = new MetricWindow()
      byPeer.set(m.peer, window)
    }
    window.add(stored)
    return stored
  }

  /** The latest metric of each peer that is valid and not expired, sorted by peer. */
  latestValid (name: string): Metric[] {
    const byPeer = this.byName.get(name)
    if (byPeer == null) return []
    const now = this.now()
    const out: Metric[] = []
    for (const window of byPeer.values()) {
      const m = window.latest()
      if (m == null || isDiscarded(m, now)) continue
      out.push({ ...m })
    }
    return out.sort(compareMetrics)
  }

  /** The latest metric of every name and peer whose `valid` flag is set (expired or not). */
  allLatestValidFlag (): Metric[] {
    const out: Metric[] = []
    for (const byPeer of this.byName.values()) {
      for (const window of byPeer.values()) {
        const m = window.latest()
        if (m?.valid === true) out.push({ ...m })
      }
    }
    return out
  }

  /** The latest metric of a name from a peer, even if expired or invalid. */
  peerLatest (name: string, peer: string): Metric | undefined {
    const m = this.byName.get(name)?.get(peer)?.latest()
    return m == null ? undefined : { ...m }
  }

  /** Every stored metric of a name from a peer, most recent first. */
  peerAll (name: string, peer: string): Metric[] {
    return this.byName.get(name)?.get(peer)?.all().map(m => ({ ...m })) ?? []
  }

  names (): string[] {
    return [...this.byName.keys()]
  }

  removePeer (peer: string): void {
    for (const byPeer of this.byName.values()) byPeer.delete(peer)
  }
}
