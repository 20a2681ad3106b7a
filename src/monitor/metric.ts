// Metric helpers with upstream's semantics (api.Metric's SetTTL, Expired, Discard). Expiry is
// in Unix nanoseconds on the wire; JS numbers keep that to ~256 ns, far below any TTL in use.
import type { Metric } from '../api/types.js'

/** Milliseconds since the epoch; injectable so tests can move time. */
export type Clock = () => number

export const systemClock: Clock = () => Date.now()

/** A metric's `expire` for a TTL starting now. */
export function expireAfter (ttlMs: number, now: number = Date.now()): number {
  return (now + ttlMs) * 1e6
}

export function isExpired (m: Metric, now: number = Date.now()): boolean {
  return now * 1e6 > m.expire
}

/** Invalid or expired metrics are neither published nor used for allocation. */
export function isDiscarded (m: Metric, now: number = Date.now()): boolean {
  return !m.valid || isExpired(m, now)
}

/** Time left before the metric expires, in ms (0 when expired). */
export function ttlLeft (m: Metric, now: number = Date.now()): number {
  return Math.max(0, m.expire / 1e6 - now)
}

/** A metric with every field set, as informers build them (peer is filled by the publisher). */
export function newMetric (fields: Partial<Metric> & Pick<Metric, 'name'>): Metric {
  return {
    peer: '',
    value: '',
    expire: 0,
    valid: false,
    weight: 0,
    partitionable: false,
    received_at: 0,
    ...fields
  }
}

/** Upstream's MetricSlice order: by peer, then by expiry. */
export function compareMetrics (a: Metric, b: Metric): number {
  if (a.peer === b.peer) return a.expire - b.expire
  return a.peer < b.peer ? -1 : 1
}
