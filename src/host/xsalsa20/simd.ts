// XSalsa20 in WebAssembly SIMD, for the private network where libsodium (sodium-native, optional)
// does not load. The kernel (salsa20.wat: four blocks at once in i32x4 lanes) is written and
// assembled by scripts/gen-xsalsa20-wasm.mjs into salsa20-wasm.ts (committed, base64).
//
// One kernel instance per thread serves every stream: its calls are synchronous, and each
// stream keeps its own subkey, nonce and position here in JS, written into the instance before
// each call. The instance's memory is two fixed pages (it cannot grow): data of any size goes
// through its 64 KiB window piece by piece, so no view of it is ever detached (the failure of
// the `xsalsa20` wasm package under @libp2p/pnet) and memory stays bounded whatever the writes.
import { hsalsa } from '@noble/ciphers/salsa.js'
import { SALSA20_WASM_BASE64 } from './salsa20-wasm.js'

/** Bytes coded per kernel call at most (the data area holds them at any offset in a block);
 *  the layout is the generator's (scripts/gen-xsalsa20-wasm.mjs) */
const PIECE = 65536
/** The kernel's data area, [0, DATA_BYTES): a piece, shifted by up to 63, rounded up to 256. */
const DATA_BYTES = PIECE + 256
/** Where the kernel reads the key (8 words) and the nonce's last 8 bytes (2 words). */
const KEY_AT = DATA_BYTES
const BLOCK = 64
const TWO_32 = 2 ** 32

interface KernelExports {
  memory: { buffer: ArrayBuffer }
  /** [0, len) ^= the keystream from block (hi << 32 | lo), at address 0 */
  xor: (len: number, lo: number, hi: number) => void
}

// The project compiles without the DOM lib, where TypeScript declares WebAssembly: the part used.
interface WasmApi {
  validate: (bytes: Uint8Array) => boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: unknown }
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly

/** The SIMD kernel. */
export class Salsa20Simd {
  private readonly kernel: KernelExports['xor']
  private readonly memory: KernelExports['memory']
  /** the whole memory: it never grows, so this view stays attached */
  private readonly mem: Uint8Array

  private constructor (ex: KernelExports) {
    this.kernel = ex.xor
    this.memory = ex.memory
    this.mem = new Uint8Array(ex.memory.buffer)
    if (this.mem.byteLength < KEY_AT + 40) throw new Error('salsa20 kernel: memory too small')
  }

  /** Bytes of the instance's memory now (fixed: two pages). */
  get memoryBytes (): number {
    return this.memory.buffer.byteLength
  }

  /** The kernel, or undefined where WebAssembly SIMD is not available. */
  static load (): Salsa20Simd | undefined {
    try {
      const bytes = Buffer.from(SALSA20_WASM_BASE64, 'base64')
      if (WA == null || !WA.validate(bytes)) return undefined
      const instance = new WA.Instance(new WA.Module(bytes), {})
      return new Salsa20Simd(instance.exports as unknown as KernelExports)
    } catch {
      return undefined // no WebAssembly, or no SIMD in this engine
    }
  }

  /**
   * out[i] = data[i] ^ the Salsa20 keystream byte at `position + i`, for the key and nonce in
   * `keyNonce` (40 bytes: the 32-byte key, then the 8-byte nonce). `out` may be `data` itself,
   * and both may have any length and alignment.
   */
  xor (keyNonce: Uint8Array, position: number, data: Uint8Array, out: Uint8Array): void {
    const mem = this.mem
    mem.set(keyNonce, KEY_AT)
    const length = data.byteLength
    for (let at = 0; at < length;) {
      const skip = position % BLOCK
      const n = Math.min(length - at, PIECE)
      const block = (position - skip) / BLOCK
      // the piece lies at its offset in its first block: address 0 is that block's start
      mem.set(n === length ? data : data.subarray(at, at + n), skip)
      this.kernel((skip + n + 255) & ~255, block % TWO_32, Math.floor(block / TWO_32))
      out.set(mem.subarray(skip, skip + n), at)
      at += n
      position += n
    }
  }
}

/** "expand 32-byte k" as four 32-bit words of its bytes, as @noble/ciphers' hsalsa reads them */
const SIGMA = new Uint32Array(new Uint8Array(Buffer.from('expand 32-byte k', 'latin1')).buffer)

/** `bytes` (a multiple of 4 long) as 32-bit words of its bytes, in an aligned copy. */
function words (bytes: Uint8Array): Uint32Array {
  const out = new Uint32Array(bytes.byteLength / 4)
  new Uint8Array(out.buffer).set(bytes)
  return out
}

/**
 * XSalsa20's key and nonce for Salsa20 (40 bytes): HSalsa20(key, nonce[0..16]) (@noble/ciphers'
 * own, the one its xsalsa20 uses), then nonce[16..24]. Computed once per stream.
 */
export function xsalsa20KeyNonce (key: Uint8Array, nonce: Uint8Array): Uint8Array {
  if (key.byteLength !== 32) throw new Error('xsalsa20: the key must be 32 bytes')
  if (nonce.byteLength !== 24) throw new Error('xsalsa20: the nonce must be 24 bytes')
  const subkey = new Uint32Array(8)
  hsalsa(SIGMA, words(key), words(nonce.subarray(0, 16)), subkey)
  const out = new Uint8Array(40)
  out.set(new Uint8Array(subkey.buffer))
  out.set(nonce.subarray(16, 24), 32)
  return out
}
