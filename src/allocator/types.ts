// What allocation works on: the latest metrics of every peer, by metric name.
import type { Metric } from '../api/types.js'

/** Metrics by name (upstream's api.MetricsSet). */
export type MetricsSet = Record<string, Metric[]>

export interface Allocator {
  /** the metric names it ranks by (allocate_by) */
  metrics (): string[]
  /**
   * Peers in order of preference: priority peers first, then candidates. Every peer in the
   * sets has a metric for each name of metrics().
   */
  allocate (candidates: MetricsSet, priority: MetricsSet): string[]
}
