// A Bloom filter of datastore keys that grows with them: "certainly absent" or "maybe present".
// Layers of doubling capacity (a scalable Bloom filter): a key goes into the newest layer, a
// look-up asks every layer. A layer has 10 bits per key or more (its size is a power of two: 16
// as the sizes fall here) and 7 probes, so a full layer answers "maybe" for 0.07-0.8 % of absent
// keys; 1M keys fill 7 layers from the first of 8,192 keys, in about 2 MiB.
// It never forgets a key: a deleted key stays "maybe present", which only costs a read.

const BITS_PER_KEY = 10
const PROBES = 7
const FIRST_CAPACITY = 8192

interface Layer {
  bits: Uint32Array
  /** bit count - 1 (a power of two) */
  mask: number
  capacity: number
  count: number
}

function newLayer (capacity: number): Layer {
  const size = 2 ** Math.ceil(Math.log2(capacity * BITS_PER_KEY))
  return { bits: new Uint32Array(size / 32), mask: size - 1, capacity, count: 0 }
}

export class PresenceFilter {
  /** the two hashes of the last key, for the probes of every layer (double hashing) */
  private h1 = 0
  private h2 = 0

  private readonly layers: Layer[] = [newLayer(FIRST_CAPACITY)]

  add (key: string): void {
    let layer = this.layers[this.layers.length - 1]
    if (layer.count >= layer.capacity) this.layers.push(layer = newLayer(layer.capacity * 2))
    this.hash(key)
    for (let i = 0, h = this.h1; i < PROBES; i++, h = (h + this.h2) | 0) {
      const bit = h & layer.mask
      layer.bits[bit >>> 5] |= 1 << (bit & 31)
    }
    layer.count++
  }

  /** false: the key was never added. */
  mightContain (key: string): boolean {
    this.hash(key)
    for (const layer of this.layers) {
      let all = true
      for (let i = 0, h = this.h1; i < PROBES; i++, h = (h + this.h2) | 0) {
        const bit = h & layer.mask
        if ((layer.bits[bit >>> 5] & (1 << (bit & 31))) === 0) {
          all = false
          break
        }
      }
      if (all) return true
    }
    return false
  }

  /** keys added */
  get size (): number {
    let n = 0
    for (const layer of this.layers) n += layer.count
    return n
  }

  /** Two independent 32-bit hashes of the key's UTF-16 code units (FNV-1a and a murmur-style mix). */
  private hash (key: string): void {
    let a = 0x811c9dc5
    let b = 0x9747b28c
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i)
      a = Math.imul(a ^ c, 0x01000193)
      b = Math.imul(b ^ c, 0x5bd1e995)
      b ^= b >>> 15
    }
    // the final mixes spread the last characters over every bit
    a ^= a >>> 16
    a = Math.imul(a, 0x85ebca6b)
    a ^= a >>> 13
    b ^= b >>> 13
    b = Math.imul(b, 0xc2b2ae35)
    b ^= b >>> 16
    this.h1 = a
    // an odd step visits distinct bits in a power-of-two table
    this.h2 = b | 1
  }
}
