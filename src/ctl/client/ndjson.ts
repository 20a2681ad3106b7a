// Splits a byte stream of concatenated JSON values (NDJSON, or any whitespace between values, as
// Go's json.Decoder accepts) into parsed values. Only the value being read is buffered.
import { ClientError } from './errors.js'

const WS = new Set([' ', '\n', '\r', '\t'])

function parse<T> (text: string): T {
  try {
    return JSON.parse(text) as T
  } catch (err: any) {
    throw new ClientError(`error decoding response: ${err?.message ?? String(err)}`)
  }
}

export async function * parseJsonStream<T> (source: AsyncIterable<Uint8Array | string>): AsyncGenerator<T> {
  const decoder = new TextDecoder()
  let buf = '' // holds the value being read (from its first character)
  let pos = 0 // next character of buf to scan
  let started = false
  let scalar = false
  let depth = 0
  let inString = false
  let escaped = false

  for await (const chunk of source) {
    buf += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    const out: T[] = []
    for (; pos < buf.length; pos++) {
      const ch = buf[pos]
      if (!started) {
        if (WS.has(ch)) continue
        buf = buf.slice(pos)
        pos = 0
        started = true
        scalar = ch !== '{' && ch !== '['
        depth = 0
        if (ch === '"') {
          inString = true
          continue
        }
      }
      if (inString) {
        if (escaped) escaped = false
        else if (ch === '\\') escaped = true
        else if (ch === '"') {
          inString = false
          if (scalar) {
            out.push(parse<T>(buf.slice(0, pos + 1)))
            started = false
          }
        }
        continue
      }
      if (scalar) {
        if (WS.has(ch)) {
          out.push(parse<T>(buf.slice(0, pos)))
          started = false
        }
        continue
      }
      if (ch === '"') inString = true
      else if (ch === '{' || ch === '[') depth++
      else if (ch === '}' || ch === ']') {
        depth--
        if (depth === 0) {
          out.push(parse<T>(buf.slice(0, pos + 1)))
          started = false
        }
      }
    }
    if (!started) {
      buf = ''
      pos = 0
    }
    for (const v of out) yield v
  }
  buf += decoder.decode()
  if (started) {
    const rest = buf.trim()
    if (scalar && !inString && rest !== '') yield parse<T>(rest)
    else throw new ClientError('error decoding response: unexpected EOF')
  }
}
