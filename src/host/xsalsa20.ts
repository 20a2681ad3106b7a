// XSalsa20 as a stream cipher for the private network: successive calls continue one keystream
// at any byte offset. Three implementations, the same bytes (the wire format is XSalsa20's,
// whichever codes it), the first that loads is used (speeds in place, 64 KiB writes, one core):
//   libsodium  the optional sodium-native package, prebuilt for the common platforms (3.2 GB/s)
//   wasm-simd  our WebAssembly SIMD kernel, xsalsa20/salsa20.wat: four blocks at once (1.5 GB/s)
//   noble-js   @noble/ciphers' pure JS (0.4 GB/s; its block counter stops at 2^32 blocks,
//              256 GiB a direction, where the others carry on as libsodium and Go do)
// CLUSTER_PNET_XSALSA20=<name> asks for one (when it loads); CLUSTER_PNET_JS=1 means noble-js.
import { xsalsa20 } from '@noble/ciphers/salsa.js'
import { Salsa20Simd, xsalsa20KeyNonce } from './xsalsa20/simd.js'
import { sodium as sodiumNative } from './sodium.js'

const BLOCK = 64

export type XSalsa20Implementation = 'libsodium' | 'wasm-simd' | 'noble-js'

const wanted: string | undefined = process.env.CLUSTER_PNET_JS === '1' ? 'noble-js' : process.env.CLUSTER_PNET_XSALSA20

/** libsodium's crypto_stream (streaming XOR), where it loaded and is XSalsa20 */
const sodium = sodiumNative?.crypto_stream_PRIMITIVE === 'xsalsa20' ? sodiumNative : undefined
const simd = Salsa20Simd.load()

/** The implementations that loaded in this process. */
export const XSALSA20_AVAILABLE: readonly XSalsa20Implementation[] = [
  ...(sodium != null ? ['libsodium' as const] : []),
  ...(simd != null ? ['wasm-simd' as const] : []),
  'noble-js'
]

/** Which implementation codes the private network in this process. */
export const XSALSA20_IMPLEMENTATION: XSalsa20Implementation =
  XSALSA20_AVAILABLE.find(impl => impl === wanted) ?? XSALSA20_AVAILABLE[0]

/** Bytes of the wasm-simd kernel's memory (fixed), undefined where it did not load. */
export function xsalsa20WasmMemoryBytes (): number | undefined {
  return simd?.memoryBytes
}

export class XSalsa20Stream {
  private readonly key: Uint8Array
  private readonly nonce: Uint8Array
  readonly implementation: XSalsa20Implementation
  /** libsodium's stream state (libsodium) */
  private readonly state?: Uint8Array
  /** Salsa20 key and nonce of this XSalsa20 stream (wasm-simd) */
  private readonly keyNonce?: Uint8Array
  /** bytes of keystream used so far (wasm-simd, noble-js) */
  private offset = 0

  /**
   * `impl` picks an implementation on purpose (tests of each); one that did not load in this
   * process falls back to the default.
   */
  constructor (key: Uint8Array, nonce: Uint8Array, impl: XSalsa20Implementation = XSALSA20_IMPLEMENTATION) {
    if (!XSALSA20_AVAILABLE.includes(impl)) impl = XSALSA20_IMPLEMENTATION
    this.implementation = impl
    this.key = key
    this.nonce = nonce
    if (impl === 'libsodium' && sodium != null) {
      this.state = new Uint8Array(sodium.crypto_stream_xor_STATEBYTES)
      sodium.crypto_stream_xor_init(this.state, nonce, key)
    } else if (impl === 'wasm-simd') {
      this.keyNonce = xsalsa20KeyNonce(key, nonce)
    }
  }

  /** The next bytes of the stream coded into a new buffer (`data` is left as it is). */
  update (data: Uint8Array): Uint8Array {
    if (data.byteLength === 0) return new Uint8Array(0)
    const out = Buffer.allocUnsafe(data.byteLength) // every byte is written
    this.xorTo(data, out)
    return out
  }

  /**
   * The next `data.byteLength` bytes of the stream: `out` = `data` XOR keystream. `out` is at
   * least as long (only its first `data.byteLength` bytes are written) and is either `data`
   * itself (in place) or does not overlap it; `data` is only read. Coding into a buffer the
   * caller already has, not a new one, matters: every buffer a connection allocates per byte
   * moved adds to V8's external memory, and each 64 MB of it costs a full collection.
   */
  xorTo (data: Uint8Array, out: Uint8Array): void {
    const length = data.byteLength
    if (length === 0) return
    if (out.byteLength < length) throw new RangeError('xsalsa20: the output is shorter than the data')
    if (out.byteLength > length) out = out.subarray(0, length)
    if (this.state != null) {
      sodium?.crypto_stream_xor_update(this.state, out, data)
      return
    }
    if (this.keyNonce != null) {
      simd?.xor(this.keyNonce, this.offset, data, out)
      this.offset += length
      return
    }
    this.nobleXor(data, out)
  }

  private nobleXor (data: Uint8Array, out: Uint8Array): void {
    let at = 0
    const skip = this.offset % BLOCK
    if (skip !== 0) {
      // the keystream resumes inside a block: finish that block from one block of keystream
      const head = Math.min(BLOCK - skip, data.byteLength)
      const ks = xsalsa20(this.key, this.nonce, new Uint8Array(BLOCK), undefined, Math.floor(this.offset / BLOCK))
      for (let i = 0; i < head; i++) out[i] = data[i] ^ ks[skip + i]
      at = head
      this.offset += head
    }
    if (at === data.byteLength) return
    const rest = data.subarray(at)
    const dst = out.subarray(at)
    const counter = this.offset / BLOCK
    this.offset += rest.byteLength
    // the cipher writes 32-bit words: an unaligned output is coded aside and copied back
    if (dst.byteOffset % 4 === 0) xsalsa20(this.key, this.nonce, rest, dst, counter)
    else dst.set(xsalsa20(this.key, this.nonce, rest, undefined, counter))
  }
}
