// What the rest of the cluster asks of the peer monitor: the core (alerts → repin / EC repair,
// peerset), the allocator (latest metrics), the REST API (/monitor/metrics, /health/alerts).
import type { Alert, Metric } from '../api/types.js'
import type { AlertListener, AlertStreamOptions } from './alerts.js'

export interface Monitor {
  /** Broadcasts one of this peer's metrics (invalid or expired ones are dropped). */
  publishMetric (m: Metric, opts?: { signal?: AbortSignal }): Promise<void>
  /** Stores a metric as if received now (e.g. a synthetic ping for a peer just connected). */
  logMetric (m: Metric): Metric
  /** Latest valid, unexpired metric of every peer, sorted by peer. */
  latestMetrics (name: string): Metric[]
  /** Latest metric of one peer, even expired. */
  latestForPeer (name: string, peer: string): Metric | undefined
  metricNames (): string[]
  /** Peers with a live metric of that name (default `ping`: the peerset). */
  peers (metricName?: string): string[]
  /** Recent alerts, most recent first. */
  alerts (): Alert[]
  onAlert (listener: AlertListener): () => void
  alertStream (opts?: AlertStreamOptions): AsyncIterable<Alert>
}
