// Worker thread that owns one instance of the subspace Reed-Solomon wasm. The wasm is
// synchronous (≈1.3 ms per MiB at 4+2), so it runs here and never on the event loop.
//
// The wasm copies its whole input into wasm memory on every call, and that memory never
// shrinks (and breaks for good past 2 GiB). We therefore code large stripes in column slices:
// RS works byte-column by byte-column, so coding bytes [a, b) of every shard separately gives
// exactly the parity of the whole shards, with wasm memory bounded by WASM_SLICE_BYTES.
import { parentPort } from 'node:worker_threads'
import { ReedSolomonErasure } from '@subspace/reed-solomon-erasure.wasm'
import { WASM_SLICE_BYTES } from './limits.js'
import type { CodeRequest, CodeResponse } from './wasm-protocol.js'

const RESULT_OK = 0

let rs: ReedSolomonErasure | undefined

async function instance (): Promise<ReedSolomonErasure> {
  rs ??= await ReedSolomonErasure.fromCurrentDirectory()
  return rs
}

class RcError extends Error {
  constructor (readonly code: number, op: string) {
    super(`reed-solomon ${op} failed with result code ${code}`)
  }
}

/** Runs fn on every column slice of `whole` and writes the slices back. */
function sliced (whole: Uint8Array, n: number, size: number, fn: (slice: Uint8Array, width: number) => void): void {
  const width = Math.max(1, Math.floor(WASM_SLICE_BYTES / n))
  if (width >= size) {
    fn(whole, size)
    return
  }
  const scratch = new Uint8Array(n * width)
  for (let off = 0; off < size; off += width) {
    const w = Math.min(width, size - off)
    const slice = w === width ? scratch : scratch.subarray(0, n * w)
    for (let s = 0; s < n; s++) slice.set(whole.subarray(s * size + off, s * size + off + w), s * w)
    fn(slice, w)
    for (let s = 0; s < n; s++) whole.set(slice.subarray(s * w, (s + 1) * w), s * size + off)
  }
}

async function handle (req: CodeRequest): Promise<void> {
  const codec = await instance()
  const whole = new Uint8Array(req.buf)
  const n = req.d + req.p
  if (req.op === 'encode') {
    sliced(whole, n, req.size, (slice) => {
      const rc = codec.encode(slice, req.d, req.p)
      if (rc !== RESULT_OK) throw new RcError(rc, 'encode')
    })
  } else {
    const present = req.present ?? []
    sliced(whole, n, req.size, (slice) => {
      const rc = codec.reconstruct(slice, req.d, req.p, present)
      if (rc !== RESULT_OK) throw new RcError(rc, 'reconstruct')
      // the wasm rebuilds data shards only: lost parity comes from encoding the rebuilt data
      if (present.slice(req.d).some(ok => !ok)) {
        const rc2 = codec.encode(slice, req.d, req.p)
        if (rc2 !== RESULT_OK) throw new RcError(rc2, 'encode')
      }
    })
  }
  const res: CodeResponse = { id: req.id, buf: req.buf }
  parentPort?.postMessage(res, [req.buf])
}

parentPort?.on('message', (req: CodeRequest) => {
  handle(req).catch((err: unknown) => {
    const res: CodeResponse = {
      id: req.id,
      error: {
        message: err instanceof Error ? err.message : String(err),
        code: err instanceof RcError ? err.code : undefined
      }
    }
    parentPort?.postMessage(res)
  })
})
