// Messages between WasmCodec (main thread) and its worker. One contiguous buffer travels each
// way as a transferable, so the stripe bytes are moved, never copied, between threads.

export interface CodeRequest {
  id: number
  op: 'encode' | 'reconstruct'
  /** (d+p) × size bytes, shard-major: data shards first, then parity */
  buf: ArrayBuffer
  d: number
  p: number
  size: number
  /** reconstruct only: which of the d+p shards hold valid bytes */
  present?: boolean[]
}

export type CodeResponse =
  | { id: number, buf: ArrayBuffer }
  | { id: number, error: { message: string, code?: number } }
