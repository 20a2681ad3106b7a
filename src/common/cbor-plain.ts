// A fast decoder for the plain-data part of DAG-CBOR: maps with string keys, arrays, ASCII
// strings, safe integers, booleans and null, which is all a stored pin holds unless a name or
// metadata has other characters. Walks of the whole pinset (status, pin ls, state export) decode
// every pin, and cborg's general decoder (tokens first, then objects) was a tenth of the API
// peer's main thread in a status of every pin and a fifth of the other peers'.
//
// It gives up (undefined) on anything else, and on anything DAG-CBOR's strict decoder would
// refuse (integers not in their shortest form, map keys out of canonical order or repeated,
// bytes after the item): the caller then decodes with @ipld/dag-cbor, which gives the same
// value or the same error as before. DAG-CBOR cannot encode undefined, so it never means a value.

/** Node's Latin-1 decoder (a copy of the bytes): for ASCII, the string UTF-8 decoding gives. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }).latin1Slice

/** thrown inside the walk to give up; caught at the top */
const GIVE_UP = Symbol('not plain DAG-CBOR')

class PlainReader {
  private readonly bytes: Uint8Array
  at = 0

  constructor (bytes: Uint8Array) {
    this.bytes = bytes
  }

  /** The argument of the head at `at` (whose major type the caller read), in shortest form only. */
  private arg (info: number): number {
    const b = this.bytes
    const at = this.at
    if (info < 24) {
      this.at = at + 1
      return info
    }
    let arg: number
    let min: number
    if (info === 24) {
      if (at + 2 > b.length) throw GIVE_UP
      arg = b[at + 1]
      min = 24
      this.at = at + 2
    } else if (info === 25) {
      if (at + 3 > b.length) throw GIVE_UP
      arg = b[at + 1] * 0x100 + b[at + 2]
      min = 0x100
      this.at = at + 3
    } else if (info === 26) {
      if (at + 5 > b.length) throw GIVE_UP
      arg = ((b[at + 1] * 0x100 + b[at + 2]) * 0x100 + b[at + 3]) * 0x100 + b[at + 4]
      min = 0x10000
      this.at = at + 5
    } else {
      // 8-byte arguments: integers past 2^32 (rare in a pin) are left to the full decoder,
      // which knows when they need a BigInt
      throw GIVE_UP
    }
    if (arg < min) throw GIVE_UP
    return arg
  }

  item (): unknown {
    const b = this.bytes
    if (this.at >= b.length) throw GIVE_UP
    const first = b[this.at]
    const major = first >> 5
    const info = first & 0x1f
    switch (major) {
      case 0: return this.arg(info)
      case 1: return -1 - this.arg(info)
      case 3: return this.text(this.arg(info))
      case 4: {
        const n = this.arg(info)
        // every item takes a byte at least: a longer count is a damaged item, not an array to make
        if (n > b.length - this.at) throw GIVE_UP
        const out = new Array(n)
        for (let i = 0; i < n; i++) out[i] = this.item()
        return out
      }
      case 5: return this.map(this.arg(info))
      case 7:
        this.at++
        if (info === 20) return false
        if (info === 21) return true
        if (info === 22) return null
        throw GIVE_UP
      // byte strings, tags (CIDs) and negative arguments past 2^32: the full decoder's
      default: throw GIVE_UP
    }
  }

  /** An ASCII text string of n bytes (other UTF-8 is left to the full decoder). */
  private text (n: number): string {
    const b = this.bytes
    const start = this.at
    const end = start + n
    if (end > b.length) throw GIVE_UP
    for (let i = start; i < end; i++) if (b[i] > 0x7f) throw GIVE_UP
    this.at = end
    return latin1Slice.call(b, start, end)
  }

  /**
   * A map key of n bytes: the same few keys come back in every pin, so each is made once and
   * found again by a hash of its bytes (checked byte by byte against the string).
   */
  private key (n: number): string {
    const b = this.bytes
    const start = this.at
    const end = start + n
    if (end > b.length || n > MAX_CACHED_KEY) return this.text(n)
    let h = 0x811c9dc5
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193)
    const known = KEYS.get(h)
    if (known !== undefined && known.length === n) {
      let same = true
      for (let i = 0; i < n; i++) if (known.charCodeAt(i) !== b[start + i]) { same = false; break }
      if (same) {
        this.at = end
        return known
      }
    }
    const key = this.text(n)
    if (KEYS.size < MAX_CACHED_KEYS) KEYS.set(h, key)
    return key
  }

  /** A map of n entries whose keys are text in DAG-CBOR's order: shorter first, then bytewise. */
  private map (n: number): Record<string, unknown> {
    const b = this.bytes
    if (2 * n > b.length - this.at) throw GIVE_UP
    const out: Record<string, unknown> = {}
    let prevStart = -1
    let prevLength = -1
    for (let i = 0; i < n; i++) {
      if (this.at >= b.length || b[this.at] >> 5 !== 3) throw GIVE_UP
      const length = this.arg(b[this.at] & 0x1f)
      const start = this.at
      if (length < prevLength || (length === prevLength && compareAt(b, prevStart, start, length) >= 0)) throw GIVE_UP
      const key = this.key(length)
      if (key === '__proto__') throw GIVE_UP
      prevStart = start
      prevLength = length
      out[key] = this.item()
    }
    return out
  }
}

/** map keys made once (by hash of their bytes): pins have about twenty distinct keys */
const KEYS = new Map<number, string>()
const MAX_CACHED_KEYS = 256
const MAX_CACHED_KEY = 32

/** Compares b[x, x+n) with b[y, y+n) bytewise. */
function compareAt (b: Uint8Array, x: number, y: number, n: number): number {
  for (let i = 0; i < n; i++) {
    const d = b[x + i] - b[y + i]
    if (d !== 0) return d
  }
  return 0
}

/** The value of a plain DAG-CBOR item (the whole of `bytes`), or undefined when it is not one. */
export function decodePlainCbor (bytes: Uint8Array): unknown {
  const r = new PlainReader(bytes)
  try {
    const value = r.item()
    return r.at === bytes.length ? value : undefined
  } catch (err) {
    if (err === GIVE_UP) return undefined
    throw err
  }
}
