// Direct binding to the Rust/wasm-bindgen exports of @subspace/reed-solomon-erasure.wasm.
//
// We do not use the package's JS wrapper: its reconstruct() frees the shards-available buffer
// that the Rust side already owns and frees, a double free that corrupts the wasm allocator.
// After the first reconstruct, later calls read garbage flags and fail (result 10) or rebuild
// wrong bytes unless shard 0 is the one lost (measured: 319 of 440 loss patterns failed). Here
// the flags buffer is handed over and never freed by us.
//
// The binding also codes in column slices written straight into wasm memory: RS works byte
// column by byte column, so coding bytes [a, b) of every shard separately gives exactly the
// parity of whole shards, while wasm memory (which never shrinks, and breaks past 2 GiB) stays
// bounded by WASM_SLICE_BYTES whatever the stripe size.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { WASM_SLICE_BYTES } from './limits.js'

// The project compiles without the DOM lib, which is where TypeScript declares WebAssembly.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: unknown }
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

interface Exports {
  memory: { buffer: ArrayBuffer }
  encode: (ptr: number, len: number, d: number, p: number) => number
  reconstruct: (ptr: number, len: number, d: number, p: number, flagsPtr: number, flagsLen: number) => number
  __wbindgen_malloc: (size: number) => number
  __wbindgen_free: (ptr: number, size: number) => void
}

const RESULT_OK = 0

let compiled: object | undefined

function wasmModule (): object {
  if (compiled == null) {
    const pkg = createRequire(import.meta.url).resolve('@subspace/reed-solomon-erasure.wasm')
    compiled = new WA.Module(readFileSync(join(dirname(pkg), 'reed_solomon_erasure_bg.wasm')))
  }
  return compiled
}

export class WasmResultError extends Error {
  constructor (readonly code: number, op: string) {
    super(`reed-solomon ${op} failed with result code ${code}`)
    this.name = 'WasmResultError'
  }
}

export class RsWasm {
  private readonly ex: Exports

  constructor () {
    this.ex = new WA.Instance(wasmModule()).exports as unknown as Exports
  }

  /** Bytes of wasm memory (it grows to the largest slice and stays there). */
  get memoryBytes (): number {
    return this.ex.memory.buffer.byteLength
  }

  /** Fills the parity shards of `whole` ((d+p) × size, shard-major) in place. */
  encode (whole: Uint8Array, d: number, p: number, size: number): void {
    this.sliced(whole, d, p, size, Array.from({ length: d + p }, (_, i) => i < d), (ptr, len) => {
      const rc = this.ex.encode(ptr, len, d, p)
      if (rc !== RESULT_OK) throw new WasmResultError(rc, 'encode')
    })
  }

  /** Rebuilds the shards of `whole` that are not `present`, data and parity, in place. */
  reconstruct (whole: Uint8Array, d: number, p: number, size: number, present: boolean[]): void {
    const parityLost = present.slice(d).some(ok => !ok)
    this.sliced(whole, d, p, size, present, (ptr, len) => {
      const flags = this.ex.__wbindgen_malloc(d + p)
      new Uint8Array(this.ex.memory.buffer).set(present.map(ok => ok ? 1 : 0), flags)
      // the Rust side takes ownership of (and frees) the flags buffer
      const rc = this.ex.reconstruct(ptr, len, d, p, flags, d + p)
      if (rc !== RESULT_OK) throw new WasmResultError(rc, 'reconstruct')
      // reconstruct rebuilds data only; parity comes from encoding the now complete data
      if (parityLost) {
        const rc2 = this.ex.encode(ptr, len, d, p)
        if (rc2 !== RESULT_OK) throw new WasmResultError(rc2, 'encode')
      }
    })
  }

  /** Copies the `input` shards of each column slice into wasm memory, runs fn, copies the others back. */
  private sliced (whole: Uint8Array, d: number, p: number, size: number, input: boolean[], fn: (ptr: number, len: number) => void): void {
    const n = d + p
    const width = Math.min(size, Math.max(1, Math.floor(WASM_SLICE_BYTES / n)))
    for (let off = 0; off < size; off += width) {
      const w = Math.min(width, size - off)
      const len = n * w
      const ptr = this.ex.__wbindgen_malloc(len)
      try {
        let mem = new Uint8Array(this.ex.memory.buffer)
        for (let s = 0; s < n; s++) {
          if (input[s]) mem.set(whole.subarray(s * size + off, s * size + off + w), ptr + s * w)
        }
        fn(ptr, len)
        mem = new Uint8Array(this.ex.memory.buffer)
        for (let s = 0; s < n; s++) {
          if (!input[s]) whole.set(mem.subarray(ptr + s * w, ptr + (s + 1) * w), s * size + off)
        }
      } finally {
        this.ex.__wbindgen_free(ptr, len)
      }
    }
  }
}
