// Worker thread that owns the Reed-Solomon engines of the worker codecs: one instance of the
// subspace wasm and/or of the SIMD kernel, made on first use. The engines are synchronous
// (≈1.3 ms per MiB at 4+2 for subspace, ≈0.3 ms for SIMD), so they run here and never on the
// event loop.
import { parentPort } from 'node:worker_threads'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { RsWasm, WasmResultError } from './wasm-binding.js'
import { RsSimd } from './simd-binding.js'
import type { CodeRequest, CodeResponse, CodecImpl } from './wasm-protocol.js'

interface Engine {
  encode: (whole: Uint8Array, d: number, p: number, size: number) => void
  reconstruct: (whole: Uint8Array, d: number, p: number, size: number, present: boolean[]) => void
}

const engines = new Map<CodecImpl, Engine>()

function engine (impl: CodecImpl): Engine {
  let e = engines.get(impl)
  if (e == null) {
    if (impl === 'simd') e = new RsSimd()
    else if (impl === 'subspace') e = new RsWasm()
    else throw new Error(`unknown codec engine ${String(impl)}`)
    engines.set(impl, e)
  }
  return e
}

function handle (req: CodeRequest): void {
  const rs = engine(req.impl)
  const whole = new Uint8Array(req.buf)
  if (req.op === 'encode') rs.encode(whole, req.d, req.p, req.size)
  else rs.reconstruct(whole, req.d, req.p, req.size, req.present ?? [])
  const res: CodeResponse = { id: req.id, buf: req.buf }
  parentPort?.postMessage(res, req.buf instanceof ArrayBuffer ? [req.buf] : [])
}

/**
 * A SharedArrayBuffer's memory is freed only once every isolate that saw it dropped its handle
 * to it. This thread allocates next to nothing, so its heap is never collected by itself and
 * would keep every stripe buffer an add shared with it alive (96 MiB each at 4+2 with 16 MiB
 * shards: a daemon's memory grew by one per add). A young-generation collection once a shared
 * call is answered drops the handles (a fraction of a millisecond: the heap holds just the
 * call's objects).
 */
function youngCollector (): () => void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as (opts: { type: 'minor' }) => void
  return () => { gc({ type: 'minor' }) }
}
let collectYoung: (() => void) | undefined

parentPort?.on('message', (req: CodeRequest) => {
  // after this handler, when nothing refers to the request any more
  if (req.buf instanceof SharedArrayBuffer) setImmediate(collectYoung ??= youngCollector())
  try {
    handle(req)
  } catch (err) {
    // a trapped wasm instance may be in any state: start the next call on a fresh one
    if (!(err instanceof WasmResultError)) engines.delete(req.impl)
    const res: CodeResponse = {
      id: req.id,
      error: {
        message: err instanceof Error ? err.message : String(err),
        code: err instanceof WasmResultError ? err.code : undefined
      }
    }
    parentPort?.postMessage(res)
  }
})
