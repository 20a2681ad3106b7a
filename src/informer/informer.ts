// An informer produces metrics about this peer (free space, tags, queue length…) that the
// allocator ranks peers by. The publisher stamps the peer ID and broadcasts them.
import type { Metric } from '../api/types.js'

export interface Informer {
  /** the metric name it produces (for tags: the informer's name, metrics are `tag:<key>`) */
  name (): string
  /**
   * Current metrics, with their TTL set. Failures are reported as invalid metrics, not thrown,
   * so that the publisher can keep a steady cadence; a throw is handled as an error too.
   */
  getMetrics (signal: AbortSignal): Promise<Metric[]>
}
