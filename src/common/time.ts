// RFC3339 times as Go prints them. The zero time is "0001-01-01T00:00:00Z".
import { ZERO_TIME } from '../api/types.js'

export function nowRFC3339 (): string {
  return new Date().toISOString()
}

export function isZeroTime (t: string | null | undefined): boolean {
  return t == null || t === '' || t === ZERO_TIME || Date.parse(t) <= 0
}

/** Parses an RFC3339 time; throws on malformed input. */
export function parseRFC3339 (text: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    throw new Error(`parsing time "${text}" as RFC3339: invalid format`)
  }
  const d = new Date(text)
  if (Number.isNaN(d.getTime())) throw new Error(`parsing time "${text}": out of range`)
  return d
}

/** Unix nanoseconds of now (as a JS number: sub-microsecond precision is not kept). */
export function nowNanos (): number {
  return Date.now() * 1e6
}
