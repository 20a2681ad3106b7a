// The two go-humanize functions upstream's text output uses: Bytes (SI units) and Time
// (relative times such as "28 seconds from now").

const SI = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB']

/**
 * Go's %.<digits>f: like toFixed, but exact ties round to even (Go) instead of up (JS),
 * so that "12.5" prints "12" as upstream does.
 */
export function goFixed (v: number, digits: number): string {
  const exact = Math.abs(v).toFixed(digits + 40)
  const dot = exact.indexOf('.')
  const rest = exact.slice(dot + 1 + digits)
  if (/^50*$/.test(rest)) {
    const truncated = exact.slice(0, dot + 1 + digits).replace(/\.$/, '')
    const last = Number(truncated.replace('.', '').slice(-1))
    const down = (v < 0 ? '-' : '') + truncated
    // an even last digit stays; an odd one rounds away from zero
    if (last % 2 === 0) return down
  }
  return v.toFixed(digits)
}

/** go-humanize Bytes: "512 B", "1.2 kB", "12 GB" (base 1000). */
export function humanBytes (n: number): string {
  const s = Math.max(0, Math.floor(n))
  if (s < 10) return `${s} B`
  const e = Math.floor(Math.log(s) / Math.log(1000))
  const suffix = SI[Math.min(e, SI.length - 1)]
  const val = Math.floor(s / Math.pow(1000, e) * 10 + 0.5) / 10
  return val < 10 ? `${goFixed(val, 1)} ${suffix}` : `${goFixed(val, 0)} ${suffix}`
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const WEEK = 7 * DAY
const MONTH = 30 * DAY
const YEAR = 12 * MONTH
const LONG_TIME = 37 * YEAR

// [upper bound (exclusive), format, divisor] as go-humanize's defaultMagnitudes
const MAGNITUDES: Array<[number, string, number]> = [
  [SECOND, 'now', SECOND],
  [2 * SECOND, '1 second %s', 1],
  [MINUTE, '%d seconds %s', SECOND],
  [2 * MINUTE, '1 minute %s', 1],
  [HOUR, '%d minutes %s', MINUTE],
  [2 * HOUR, '1 hour %s', 1],
  [DAY, '%d hours %s', HOUR],
  [2 * DAY, '1 day %s', 1],
  [WEEK, '%d days %s', DAY],
  [2 * WEEK, '1 week %s', 1],
  [MONTH, '%d weeks %s', WEEK],
  [2 * MONTH, '1 month %s', 1],
  [YEAR, '%d months %s', MONTH],
  [18 * MONTH, '1 year %s', 1],
  [2 * YEAR, '2 years %s', 1],
  [LONG_TIME, '%d years %s', YEAR],
  [Number.POSITIVE_INFINITY, 'a long while %s', 1]
]

/** go-humanize Time: `then` relative to `now` ("3 minutes ago", "28 seconds from now"). */
export function humanTime (thenMs: number, nowMs = Date.now()): string {
  let label = 'ago'
  let diff = nowMs - thenMs
  if (thenMs > nowMs) {
    label = 'from now'
    diff = thenMs - nowMs
  }
  const mag = MAGNITUDES.find(m => m[0] > diff) ?? MAGNITUDES[MAGNITUDES.length - 1]
  return mag[1]
    .replace('%d', String(Math.floor(diff / mag[2])))
    .replace('%s', label)
}
