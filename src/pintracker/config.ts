// `pin_tracker.stateless` (upstream pintracker/stateless/config.go).
import type { ConfigSection, JSONObject } from '../config/section.js'
import { field, isNumber } from '../config/section.js'
import { durationField, durationJSON } from '../config/durations.js'

export interface PinTrackerConfig {
  concurrent_pins: number
  priority_pin_max_age: number
  priority_pin_max_retries: number
  max_pin_queue_size: number
  /**
   * pin operations held in memory at most (not upstream's: its queue holds max_pin_queue_size
   * operations); pins beyond wait in the pinset and are queued as the queue drains
   */
  max_queued_in_memory: number
}

const DEFAULT_QUEUE = 1_000_000
/** ~250 bytes each with its CID: 5 MB */
const DEFAULT_IN_MEMORY = 20_000

export const pinTrackerConfigSection: ConfigSection<PinTrackerConfig> = {
  path: ['pin_tracker', 'stateless'],
  envPrefix: 'CLUSTER_STATELESS',
  defaults () {
    return { concurrent_pins: 10, priority_pin_max_age: 24 * 3_600_000, priority_pin_max_retries: 5, max_pin_queue_size: DEFAULT_QUEUE, max_queued_in_memory: DEFAULT_IN_MEMORY }
  },
  parse (json: JSONObject) {
    const d = this.defaults()
    const cfg: PinTrackerConfig = {
      concurrent_pins: field(json, 'concurrent_pins', d.concurrent_pins, isNumber),
      priority_pin_max_age: durationField(json, 'priority_pin_max_age', d.priority_pin_max_age),
      priority_pin_max_retries: field(json, 'priority_pin_max_retries', d.priority_pin_max_retries, isNumber),
      max_pin_queue_size: field(json, 'max_pin_queue_size', d.max_pin_queue_size, isNumber),
      max_queued_in_memory: field(json, 'max_queued_in_memory', d.max_queued_in_memory, isNumber)
    }
    for (const [k, v] of Object.entries(cfg)) {
      if (!(v > 0)) throw new Error(`${k} must be > 0`)
    }
    return cfg
  },
  toJSON (cfg) {
    const json: JSONObject = {
      concurrent_pins: cfg.concurrent_pins,
      priority_pin_max_age: durationJSON(cfg.priority_pin_max_age),
      priority_pin_max_retries: cfg.priority_pin_max_retries
    }
    if (cfg.max_pin_queue_size !== DEFAULT_QUEUE) json.max_pin_queue_size = cfg.max_pin_queue_size
    if (cfg.max_queued_in_memory !== DEFAULT_IN_MEMORY) json.max_queued_in_memory = cfg.max_queued_in_memory
    return json
  }
}
