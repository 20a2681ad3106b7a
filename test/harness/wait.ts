// Polling and output parsing shared by the process tests.

/** parses a stream of pretty-printed JSON objects (cluster-ctl --enc=json output) */
export function parseStream (text: string): any[] {
  const out: any[] = []
  let depth = 0
  let start = -1
  let inStr = false
  let esc = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inStr) {
      if (esc) esc = false
      else if (c === '\\') esc = true
      else if (c === '"') inStr = false
      continue
    }
    if (c === '"') inStr = true
    else if (c === '{') { if (depth === 0) start = i; depth++ } else if (c === '}') { depth--; if (depth === 0) out.push(JSON.parse(text.slice(start, i + 1))) }
  }
  return out
}

export async function waitFor<T> (fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    await new Promise(resolve => setTimeout(resolve, 300))
  }
  throw new Error(`condition not met in ${timeoutMs} ms${last != null ? `: ${String(last)}` : ''}`)
}
