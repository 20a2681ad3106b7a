// The `state export` / `state import` format: Pin JSON objects (REST API shape), one per line
// on export; on import any whitespace-separated sequence of JSON objects, so pretty-printed
// multi-line pins are accepted as upstream's json.Decoder accepts them.
import { normalizeCid } from '../api/cid.js'
import { normalizePin } from '../api/pin.js'
import type { Pin } from '../api/types.js'

export class MalformedStateError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'MalformedStateError'
  }
}

/** NDJSON lines of the pins, each ending in "\n" like Go's json.Encoder. */
export async function * encodeStateNDJSON (pins: AsyncIterable<Pin>): AsyncGenerator<string> {
  for await (const pin of pins) yield JSON.stringify(pin) + '\n'
}

/** Splits a stream of text into its top-level JSON objects and arrays, parsed. */
export async function * parseJSONValues (source: AsyncIterable<string | Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder()
  let buf = ''
  let start = -1
  let depth = 0
  let inString = false
  let escaped = false
  let pos = 0
  for await (const chunk of source) {
    buf += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    for (; pos < buf.length; pos++) {
      const ch = buf[pos]
      if (start < 0) {
        if (/\s/.test(ch)) continue
        if (ch !== '{' && ch !== '[') throw new MalformedStateError(`unexpected character ${JSON.stringify(ch)} in state input`)
        start = pos
        depth = 0
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
          const text = buf.slice(start, pos + 1)
          try {
            yield JSON.parse(text)
          } catch (err: any) {
            throw new MalformedStateError(`malformed state input: ${err?.message ?? String(err)}`)
          }
          buf = buf.slice(pos + 1)
          pos = -1
          start = -1
        }
      }
    }
  }
  if (start >= 0 || buf.trim() !== '') throw new MalformedStateError('unexpected end of state input')
}

export interface ImportOverrides {
  /** replaces replication_factor_min when > 0 */
  replicationMin?: number
  /** replaces replication_factor_max when > 0 */
  replicationMax?: number
  /** replaces allocations when non-empty */
  allocations?: string[]
}

/** Pins of an import stream, with Go's zero values for absent fields and the CLI overrides. */
export async function * decodeStatePins (source: AsyncIterable<string | Uint8Array>, overrides: ImportOverrides = {}): AsyncGenerator<Pin> {
  for await (const value of parseJSONValues(source)) {
    if (value == null || typeof value !== 'object' || Array.isArray(value)) throw new MalformedStateError('state input holds a value that is not a pin')
    const raw = value as Partial<Pin>
    if (typeof raw.cid !== 'string') throw new MalformedStateError('state input holds a pin without a cid')
    const pin = normalizePin({ ...raw, cid: normalizeCid(raw.cid) })
    if ((overrides.replicationMin ?? 0) > 0) pin.replication_factor_min = overrides.replicationMin!
    if ((overrides.replicationMax ?? 0) > 0) pin.replication_factor_max = overrides.replicationMax!
    if (overrides.allocations != null && overrides.allocations.length > 0) pin.allocations = [...overrides.allocations]
    yield pin
  }
}
