// Go's renderings of RFC3339 times received on the wire: MarshalText (RFC3339Nano, trailing
// zeros of the fraction dropped, "Z" for UTC) and Format("2006-01-02 15:04:05") in the time's
// own offset — taken from the text itself so no time zone conversion can creep in.

const RE = /^(\d{4,})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/

/** Go's zero time (year 1), which upstream treats as "not set". */
export function isGoZeroTime (t: string | null | undefined): boolean {
  if (t == null || t === '') return true
  const m = RE.exec(t)
  if (m == null) return false
  return m[1] === '0001' && m[2] === '01' && m[3] === '01' && m[4] === '00' && m[5] === '00' && m[6] === '00' && /^0*$/.test(m[7] ?? '') && /^(Z|z|[+-]00:00)$/.test(m[8])
}

/** RFC3339Nano as Go's time.MarshalText prints it. Unparsable text is returned unchanged. */
export function rfc3339Nano (t: string | null | undefined): string {
  if (t == null || t === '') return '0001-01-01T00:00:00Z'
  const m = RE.exec(t)
  if (m == null) return t
  const frac = (m[7] ?? '').slice(0, 9).replace(/0+$/, '')
  const zone = /^(Z|z|[+-]00:00)$/.test(m[8]) ? 'Z' : m[8]
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${frac !== '' ? '.' + frac : ''}${zone}`
}

/** Go's Format("2006-01-02 15:04:05"). */
export function goDateTime (t: string): string {
  const m = RE.exec(t)
  if (m == null) return t
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`
}

/** Milliseconds since the epoch of an RFC3339 time (NaN when unparsable). */
export function timeMs (t: string): number {
  return Date.parse(t)
}
