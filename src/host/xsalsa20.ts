// XSalsa20 as a stream cipher for the private network: successive calls continue one keystream
// at any byte offset. libsodium's (the optional sodium-native package, prebuilt for the common
// platforms: about 3 GB/s here, with SIMD) when it loads, else @noble/ciphers' pure JS (about
// 0.45 GB/s). Both give the same bytes; the wire format is XSalsa20's, whichever codes it.
import { createRequire } from 'node:module'
import { xsalsa20 } from '@noble/ciphers/salsa.js'

const BLOCK = 64

/** The part of sodium-native used here: libsodium's crypto_stream (XSalsa20) streaming XOR. */
interface Sodium {
  crypto_stream_xor_STATEBYTES: number
  crypto_stream_xor_init: (state: Uint8Array, nonce: Uint8Array, key: Uint8Array) => void
  crypto_stream_xor_update: (state: Uint8Array, out: Uint8Array, data: Uint8Array) => void
}

function loadSodium (): Sodium | undefined {
  if (process.env.CLUSTER_PNET_JS === '1') return undefined
  try {
    const sodium = createRequire(import.meta.url)('sodium-native') as Sodium & { crypto_stream_PRIMITIVE?: string }
    return sodium.crypto_stream_PRIMITIVE === 'xsalsa20' ? sodium : undefined
  } catch {
    return undefined // not installed (optional) or no build for this platform
  }
}

const sodium = loadSodium()

export type XSalsa20Implementation = 'libsodium' | 'noble-js'

/** Which implementation codes the private network in this process. */
export const XSALSA20_IMPLEMENTATION: XSalsa20Implementation = sodium != null ? 'libsodium' : 'noble-js'

export class XSalsa20Stream {
  private readonly key: Uint8Array
  private readonly nonce: Uint8Array
  /** libsodium's stream state; undefined on the JS path */
  private readonly state?: Uint8Array
  private offset = 0

  /** `impl` picks the JS path on purpose (tests of both); libsodium is used only where it loaded */
  constructor (key: Uint8Array, nonce: Uint8Array, impl: XSalsa20Implementation = XSALSA20_IMPLEMENTATION) {
    this.key = key
    this.nonce = nonce
    if (sodium != null && impl === 'libsodium') {
      this.state = new Uint8Array(sodium.crypto_stream_xor_STATEBYTES)
      sodium.crypto_stream_xor_init(this.state, nonce, key)
    }
  }

  /** The next bytes of the stream coded into a new buffer (`data` is left as it is). */
  update (data: Uint8Array): Uint8Array {
    if (data.byteLength === 0) return data
    if (this.state != null) {
      const out = Buffer.allocUnsafe(data.byteLength) // every byte is written
      sodium?.crypto_stream_xor_update(this.state, out, data)
      return out
    }
    const counter = Math.floor(this.offset / BLOCK)
    const skip = this.offset % BLOCK
    this.offset += data.byteLength
    if (skip === 0) return xsalsa20(this.key, this.nonce, data, undefined, counter)
    // the keystream resumes inside a block: pad the front so the block counter lines up
    const padded = new Uint8Array(skip + data.byteLength)
    padded.set(data, skip)
    return xsalsa20(this.key, this.nonce, padded, undefined, counter).subarray(skip)
  }

  /**
   * XORs the keystream into `data` itself: no allocation, for bytes the caller owns (socket
   * reads, a send buffer made for this write). Every buffer a connection allocates per byte
   * moved adds to V8's external memory, and each 64 MB of it costs a full collection.
   */
  xorInPlace (data: Uint8Array): void {
    if (data.byteLength === 0) return
    if (this.state != null) {
      sodium?.crypto_stream_xor_update(this.state, data, data)
      return
    }
    let at = 0
    const skip = this.offset % BLOCK
    if (skip !== 0) {
      // the keystream resumes inside a block: finish that block from one block of keystream
      const head = Math.min(BLOCK - skip, data.byteLength)
      const ks = xsalsa20(this.key, this.nonce, new Uint8Array(BLOCK), undefined, Math.floor(this.offset / BLOCK))
      for (let i = 0; i < head; i++) data[i] ^= ks[skip + i]
      at = head
      this.offset += head
    }
    const rest = data.subarray(at)
    if (rest.byteLength === 0) return
    const counter = this.offset / BLOCK
    this.offset += rest.byteLength
    // the cipher writes 32-bit words: an unaligned view is coded aside and copied back
    if (rest.byteOffset % 4 === 0) xsalsa20(this.key, this.nonce, rest, rest, counter)
    else rest.set(xsalsa20(this.key, this.nonce, rest, undefined, counter))
  }
}
