// Splitting a request target the way Go's net/url does for routing decisions.

/** The decoded path of a request target (what Go calls r.URL.Path). */
export function urlPath (url: string): string {
  const i = url.indexOf('?')
  const raw = i < 0 ? url : url.slice(0, i)
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

/** The raw query of a request target, without the "?" ("" when none). */
export function urlQuery (url: string): string {
  const i = url.indexOf('?')
  return i < 0 ? '' : url.slice(i + 1)
}

/** Query values as Go's url.Values.Get sees them: the first value of each key. */
export function parseQuery (query: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of new URLSearchParams(query)) {
    if (!Object.hasOwn(out, k)) out[k] = v
  }
  return out
}
