// `observations.metrics` section of service.json (upstream observations.MetricsConfig). Unlike
// the APIs, a missing section is not "disabled": it holds the defaults, and `enable_stats`
// (or `cluster-service daemon --stats`) turns the Prometheus endpoint on.
import { multiaddr } from '@multiformats/multiaddr'
import type { ConfigSection, JSONObject } from '../config/section.js'
import { durationField, durationJSON } from '../config/durations.js'
import { parseGoBool } from '../common/parse.js'
import { parseListenMultiaddr } from '../restapi/common/multiaddr.js'
import { errorMessage } from '../api/errors.js'

export interface MetricsConfig {
  enable_stats: boolean
  /** where /metrics is served: /ip4|/ip6/<ip>/tcp/<port> */
  prometheus_endpoint: string
  /** how often the collector refreshes the gauges, in ms */
  reporting_interval: number
}

export const DEFAULT_PROMETHEUS_ENDPOINT = '/ip4/127.0.0.1/tcp/8888'
export const DEFAULT_REPORTING_INTERVAL = 30_000

export function defaultMetricsConfig (): MetricsConfig {
  return {
    enable_stats: false,
    prometheus_endpoint: DEFAULT_PROMETHEUS_ENDPOINT,
    reporting_interval: DEFAULT_REPORTING_INTERVAL
  }
}

export const metricsConfigSection: ConfigSection<MetricsConfig> = {
  path: ['observations', 'metrics'],
  envPrefix: 'CLUSTER_METRICS',
  defaults: defaultMetricsConfig,
  parse: parseMetricsConfig,
  toJSON: (cfg: MetricsConfig): JSONObject => ({
    enable_stats: cfg.enable_stats,
    prometheus_endpoint: cfg.prometheus_endpoint,
    reporting_interval: durationJSON(cfg.reporting_interval)
  })
}

export function parseMetricsConfig (json: JSONObject): MetricsConfig {
  const d = defaultMetricsConfig()
  const cfg: MetricsConfig = {
    enable_stats: bool(json.enable_stats, d.enable_stats),
    prometheus_endpoint: typeof json.prometheus_endpoint === 'string' && json.prometheus_endpoint !== '' ? json.prometheus_endpoint : d.prometheus_endpoint,
    reporting_interval: durationField(json, 'reporting_interval', d.reporting_interval)
  }
  if (json.prometheus_endpoint != null && typeof json.prometheus_endpoint !== 'string') {
    throw new Error(`invalid value for "prometheus_endpoint": ${JSON.stringify(json.prometheus_endpoint)}`)
  }
  try {
    multiaddr(cfg.prometheus_endpoint)
  } catch (err) {
    throw new Error(`loadMetricsOptions: PrometheusEndpoint multiaddr: ${errorMessage(err)}`)
  }
  if (cfg.reporting_interval < 0) throw new Error('metrics.reporting_interval is invalid')
  // a zero interval would poll in a tight loop: it means "the default", as for opencensus
  if (cfg.reporting_interval === 0) cfg.reporting_interval = DEFAULT_REPORTING_INTERVAL
  // only what the endpoint server can bind is accepted, but only when it is going to bind it
  if (cfg.enable_stats) validateEndpoint(cfg.prometheus_endpoint)
  return cfg
}

/** Throws unless the endpoint is a TCP address the metrics server can listen on. */
export function validateEndpoint (endpoint: string): void {
  const target = parseListenMultiaddr(endpoint)
  if (target.kind !== 'tcp') throw new Error(`metrics.prometheus_endpoint must be a TCP address: ${endpoint}`)
}

/** JSON booleans, or the Go spellings environment variables produce. */
function bool (v: unknown, fallback: boolean): boolean {
  if (v == null) return fallback
  if (typeof v === 'boolean') return v
  if (typeof v === 'string') {
    const b = parseGoBool(v)
    if (b != null) return b
  }
  throw new Error(`invalid value for "enable_stats": ${JSON.stringify(v)}`)
}
