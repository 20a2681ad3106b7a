// A small port of the parts of Go's mime.ParseMediaType that multipart uploads rely on:
// "type/subtype; key=value; key="quoted \" value"; key*=utf-8''pct%20encoded", case-insensitive
// keys, RFC 2231 extended values taking precedence over plain ones (as in Go).

export class MediaTypeError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'MediaTypeError'
  }
}

export interface MediaType {
  type: string
  params: Record<string, string>
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function skipSpace (s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++
  return i
}

function readValue (s: string, i: number): [string, number] {
  if (s[i] === '"') {
    let out = ''
    i++
    while (i < s.length) {
      const c = s[i]
      if (c === '"') return [out, i + 1]
      if (c === '\\' && i + 1 < s.length) {
        out += s[i + 1]
        i += 2
        continue
      }
      out += c
      i++
    }
    throw new MediaTypeError('mime: invalid media parameter')
  }
  let j = i
  while (j < s.length && s[j] !== ';' && s[j] !== ' ' && s[j] !== '\t') j++
  const v = s.slice(i, j)
  if (v === '' || !TOKEN.test(v)) throw new MediaTypeError('mime: invalid media parameter')
  return [v, j]
}

/** RFC 2231 value: charset'language'percent-encoded bytes (utf-8 and us-ascii only, as Go). */
function decode2231 (v: string): string | undefined {
  const parts = v.split("'")
  if (parts.length !== 3) return undefined
  const charset = parts[0].toLowerCase()
  if (charset !== 'utf-8' && charset !== 'us-ascii') return undefined
  try {
    return decodeURIComponent(parts[2])
  } catch {
    return undefined
  }
}

export function parseMediaType (value: string): MediaType {
  const semi = value.indexOf(';')
  const type = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase()
  if (type === '' || !/^[!#$%&'*+\-.^_`|~0-9a-z]+(\/[!#$%&'*+\-.^_`|~0-9a-z]+)?$/.test(type)) {
    throw new MediaTypeError('mime: no media type')
  }
  const params: Record<string, string> = {}
  const extended: Record<string, string> = {}
  let i = semi === -1 ? value.length : semi
  while (i < value.length) {
    i = skipSpace(value, i)
    if (value[i] !== ';') throw new MediaTypeError('mime: invalid media parameter')
    i = skipSpace(value, i + 1)
    if (i >= value.length) break // a trailing ';' is tolerated, as in Go
    const eq = value.indexOf('=', i)
    if (eq === -1) throw new MediaTypeError('mime: invalid media parameter')
    const key = value.slice(i, eq).trim().toLowerCase()
    if (!TOKEN.test(key)) throw new MediaTypeError('mime: invalid media parameter')
    const [v, next] = readValue(value, skipSpace(value, eq + 1))
    i = skipSpace(value, next)
    const target = key.endsWith('*') ? extended : params
    if (key in target) throw new MediaTypeError('mime: duplicate parameter name')
    target[key] = v
  }
  for (const [k, v] of Object.entries(extended)) {
    const d = decode2231(v)
    if (d != null) params[k.slice(0, -1)] = d
  }
  return { type, params }
}
