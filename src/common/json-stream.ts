// Decodes a stream of whitespace-separated JSON values (Go's json.Decoder semantics): compact
// NDJSON and pretty-printed multi-line objects both work. Used by `state import`.

export class JSONStreamError extends Error {}

export async function * decodeJSONStream (chunks: AsyncIterable<Uint8Array | string>): AsyncIterable<unknown> {
  const decoder = new TextDecoder()
  let buf = ''
  let depth = 0
  let inString = false
  let escaped = false
  let start = -1
  let scanned = 0
  for await (const chunk of chunks) {
    buf += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    for (let i = scanned; i < buf.length; i++) {
      const ch = buf[i]
      if (start === -1) {
        if (/\s/.test(ch)) continue
        if (ch !== '{' && ch !== '[') throw new JSONStreamError(`invalid character '${ch}' looking for beginning of value`)
        start = i
      }
      if (inString) {
        if (escaped) escaped = false
        else if (ch === '\\') escaped = true
        else if (ch === '"') inString = false
        continue
      }
      if (ch === '"') inString = true
      else if (ch === '{' || ch === '[') depth++
      else if (ch === '}' || ch === ']') {
        depth--
        if (depth === 0) {
          const text = buf.slice(start, i + 1)
          try {
            yield JSON.parse(text)
          } catch (err: any) {
            throw new JSONStreamError(err.message)
          }
          buf = buf.slice(i + 1)
          i = -1
          start = -1
        }
      }
    }
    scanned = buf.length
  }
  if (start !== -1 || buf.trim() !== '') throw new JSONStreamError('unexpected EOF')
}
