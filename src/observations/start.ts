// Turning metrics on: the endpoint server and the collector, started and stopped together.
import type { Logger } from 'pino'
import type { MetricsConfig } from './config.js'
import { MetricsCollector } from './collector.js'
import type { ClusterMetrics } from './metrics.js'
import { MetricsServer } from './server.js'
import type { MetricsSource } from './source.js'

export interface StartMetricsInit {
  config: MetricsConfig
  /** the object the core and components record into (created before them) */
  metrics: ClusterMetrics
  source: MetricsSource
  logger: Logger
}

export interface MetricsService {
  metrics: ClusterMetrics
  /** the multiaddr /metrics is served on */
  address: string
  stop: () => Promise<void>
}

/** Serves /metrics on config.prometheus_endpoint and polls the source every reporting_interval. */
export async function startMetrics (init: StartMetricsInit): Promise<MetricsService> {
  const server = new MetricsServer(init.metrics, init.logger)
  await server.listen(init.config.prometheus_endpoint)
  const collector = new MetricsCollector({ metrics: init.metrics, source: init.source, intervalMs: init.config.reporting_interval, logger: init.logger })
  collector.start()
  init.logger.info(`Prometheus metrics on ${server.address}/metrics`)
  return {
    metrics: init.metrics,
    address: server.address,
    stop: async () => {
      await collector.stop()
      await server.close()
    }
  }
}
