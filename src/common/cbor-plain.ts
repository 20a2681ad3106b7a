// A fast decoder for the plain-data part of DAG-CBOR: maps with string keys, arrays, ASCII
// strings, safe integers, booleans and null, which is all a stored pin holds unless a name or
// metadata has other characters. Walks of the whole pinset (status, pin ls, state export) decode
// every pin, and cborg's general decoder (tokens first, then objects) was a tenth of the API
// peer's main thread in a status of every pin and a fifth of the other peers'.
//
// It gives up (undefined) on anything else: on what DAG-CBOR's strict decoder refuses (integers
// not in their shortest form, repeated map keys, bytes after the item) and on what it reads
// another way (map keys out of canonical order keep their written order there). The caller then
// decodes with @ipld/dag-cbor, which gives the same value or the same error as before. DAG-CBOR
// cannot encode undefined, so it never means a value. Heads are read by common/cbor-head.

import { cborHead } from './cbor-head.js'

/** Node's Latin-1 decoder (a copy of the bytes): for ASCII, the string UTF-8 decoding gives. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }).latin1Slice

/** the least argument each head size may carry (by bytes after the first): DAG-CBOR's shortest form */
const SHORTEST = [0, 24, 0x100, 0, 0x10000]

/** thrown inside the walk to give up; caught at the top */
const GIVE_UP = Symbol('not plain DAG-CBOR')

class PlainReader {
  private readonly bytes: Uint8Array
  at = 0

  constructor (bytes: Uint8Array) {
    this.bytes = bytes
  }

  /**
   * The argument of the head at `at` (whose major type the caller read), in shortest form only.
   * 8-byte arguments (integers past 2^32, rare in a pin) are left to the full decoder, which knows
   * when they need a BigInt.
   */
  private arg (): number {
    const head = cborHead(this.bytes, this.at)
    if (head === undefined || head.next - this.at > 5 || head.arg < SHORTEST[head.next - this.at - 1]) throw GIVE_UP
    this.at = head.next
    return head.arg
  }

  item (): unknown {
    const b = this.bytes
    if (this.at >= b.length) throw GIVE_UP
    const first = b[this.at]
    const major = first >> 5
    const info = first & 0x1f
    switch (major) {
      case 0: return this.arg()
      case 1: return -1 - this.arg()
      case 3: return this.text(this.arg())
      case 4: {
        const n = this.arg()
        // every item takes a byte at least: a longer count is a damaged item, not an array to make
        if (n > b.length - this.at) throw GIVE_UP
        const out = new Array(n)
        for (let i = 0; i < n; i++) out[i] = this.item()
        return out
      }
      case 5: return this.map(this.arg())
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
      const length = this.arg()
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
