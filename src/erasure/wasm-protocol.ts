// Messages between the worker codecs (WasmCodec, SimdCodec; main thread) and their worker. One
// contiguous buffer travels each way as a transferable (or is shared, when it is a
// SharedArrayBuffer), so the stripe bytes are moved, never copied, between threads.

/** Which engine codes a request: the subspace wasm (wasm-binding) or the SIMD kernel (simd-binding). */
export type CodecImpl = 'subspace' | 'simd'

export interface CodeRequest {
  id: number
  impl: CodecImpl
  op: 'encode' | 'reconstruct'
  /** (d+p) × size bytes, shard-major: data shards first, then parity; moved, or shared */
  buf: ArrayBuffer | SharedArrayBuffer
  d: number
  p: number
  size: number
  /** reconstruct only: which of the d+p shards hold valid bytes */
  present?: boolean[]
}

export type CodeResponse =
  | { id: number, buf: ArrayBuffer | SharedArrayBuffer }
  | { id: number, error: { message: string, code?: number } }
