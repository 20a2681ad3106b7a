// Duration fields of config sections: Go duration text in JSON, milliseconds in memory.
import { formatDuration, parseDuration } from '../common/duration.js'
import type { JSONObject } from './section.js'

export function durationField (json: JSONObject, key: string, fallbackMs: number): number {
  const v = json[key]
  if (v === undefined || v === null || v === '') return fallbackMs
  if (typeof v !== 'string') throw new Error(`invalid duration for "${key}": ${JSON.stringify(v)}`)
  try {
    return parseDuration(v)
  } catch {
    throw new Error(`invalid duration for "${key}": ${JSON.stringify(v)}`)
  }
}

export const durationJSON = formatDuration
