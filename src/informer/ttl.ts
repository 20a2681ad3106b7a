// metric_ttl, shared by every informer section.
import type { JSONObject } from '../config/section.js'
import { durationField } from '../config/durations.js'

export const DEFAULT_METRIC_TTL_MS = 30_000

export function metricTTLField (json: JSONObject, section: string): number {
  const ttl = durationField(json, 'metric_ttl', DEFAULT_METRIC_TTL_MS)
  if (ttl <= 0) throw new Error(`${section}.metric_ttl is invalid`)
  return ttl
}
