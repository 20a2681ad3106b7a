// `monitor.pubsubmon` section of service.json.
import type { ConfigSection, JSONObject } from '../config/section.js'
import { durationField, durationJSON } from '../config/durations.js'

export interface MonitorConfig {
  /** how often expired metrics are looked for (alerts), in ms */
  checkIntervalMs: number
}

export const DEFAULT_CHECK_INTERVAL_MS = 15_000

export const monitorConfigSection: ConfigSection<MonitorConfig> = {
  path: ['monitor', 'pubsubmon'],
  envPrefix: 'CLUSTER_PUBSUBMON',
  defaults: () => ({ checkIntervalMs: DEFAULT_CHECK_INTERVAL_MS }),
  parse (json: JSONObject): MonitorConfig {
    const checkIntervalMs = durationField(json, 'check_interval', DEFAULT_CHECK_INTERVAL_MS)
    if (checkIntervalMs <= 0) throw new Error('pubsubmon.check_interval too low')
    return { checkIntervalMs }
  },
  toJSON: (cfg) => ({ check_interval: durationJSON(cfg.checkIntervalMs) })
}
