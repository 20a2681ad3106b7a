// Go time.Duration text: upstream's config files and flags store durations this way
// ("30s", "2m0s", "1h0m0s", "250ms"), so the port parses and prints the same form.

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000
}

/** Parses a Go duration into milliseconds. Throws on malformed input. */
export function parseDuration (text: string): number {
  const s = text.trim()
  if (s === '0') return 0
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s)
  if (m == null) throw new Error(`invalid duration "${text}"`)
  let total = 0
  for (const part of s.replace(/^[-+]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNITS[part[2]]
  }
  return m[1] === '-' ? -total : total
}

/** Prints milliseconds the way Go's Duration.String does ("0s", "250ms", "1m30s", "2h0m0s"). */
export function formatDuration (ms: number): string {
  if (ms === 0) return '0s'
  const neg = ms < 0
  let rest = Math.abs(ms)
  let out: string
  if (rest < 1000) {
    if (rest >= 1) out = `${trim(rest)}ms`
    else if (rest >= 1e-3) out = `${trim(rest * 1e3)}µs`
    else out = `${trim(rest * 1e6)}ns`
  } else {
    const h = Math.floor(rest / 3_600_000)
    rest -= h * 3_600_000
    const m = Math.floor(rest / 60_000)
    rest -= m * 60_000
    const s = `${trim(rest / 1000)}s`
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s
  }
  return neg ? `-${out}` : out
}

function trim (n: number): string {
  return String(Number(n.toFixed(9)))
}
