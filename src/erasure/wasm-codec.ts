// Codecs that run a wasm Reed-Solomon engine in one worker thread: `WorkerCodec` is the shared
// machinery, `WasmCodec` the one on @subspace/reed-solomon-erasure.wasm (klauspost-compatible
// GF(2^8) Vandermonde matrix); `SimdCodec` (simd-codec.ts) is the same with the SIMD kernel.
// The worker starts on first use, is unref'd while idle so it never keeps a process alive, and
// is ref'd while a call is in flight so an awaiting caller is not cut short. Calls are served
// one at a time in order by the single worker.
import { Worker } from 'node:worker_threads'
import type { Codec, CodecOptions } from './codec.js'
import { CodecClosedError, CodecError, ErasureParamsError } from './errors.js'
import { checkShards } from './validate.js'
import { stripeBehind } from './blocks.js'
import type { CodeRequest, CodeResponse, CodecImpl } from './wasm-protocol.js'
import type { InlineSimd } from './simd-inline.js'

export const WASM_CODEC_ID = 'rs-vandermonde-gf8/subspace-wasm-0.2.5'

/** The stripe's memory as it travels to the worker and back. */
type StripeMemory = ArrayBuffer | SharedArrayBuffer

interface Pending {
  resolve: (buf: StripeMemory) => void
  reject: (err: Error) => void
}

/**
 * The shards as one buffer of `total` x size bytes, shard i at i x size, for the worker. When
 * the shards already are exactly those views of one such buffer (how encodeStripe and the
 * reconstructor lay a stripe out), that buffer is used as it is instead of copied: an
 * ArrayBuffer is moved to the worker (the shards' views are unusable until the answer gives it
 * back), a SharedArrayBuffer is shared and coded in place.
 *
 * Sharing is much cheaper for big stripes: V8 answers every ArrayBuffer over 64 MiB arriving in
 * an isolate with a full GC (external memory pressure), in the worker and again on the way back,
 * ~20-30 ms of CPU per 96 MiB stripe — more than the SIMD codec takes to code it.
 */
function stripeBuffer (shards: Array<Uint8Array | undefined>, total: number, size: number): StripeMemory {
  const laidOut = stripeBehind(shards, 0, total, size)
  if (laidOut != null) return laidOut
  const whole = new Uint8Array(total * size)
  for (const [i, s] of shards.entries()) if (s != null) whole.set(s, i * size)
  return whole.buffer
}

/**
 * A codec whose engine `impl` runs in a worker thread (wasm-worker.ts), recorded as `id`.
 * With `inline`, stripes in plain memory are rebuilt on the calling thread (simd-inline.ts).
 */
export class WorkerCodec implements Codec {
  private worker?: Worker
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private closed = false

  constructor (readonly id: string, private readonly impl: CodecImpl, private readonly inline?: InlineSimd) {}

  async encode (data: Uint8Array[], parityCount: number, opts: CodecOptions = {}): Promise<Uint8Array[]> {
    opts.signal?.throwIfAborted()
    if (!Array.isArray(data)) throw new ErasureParamsError('data shards must be an array')
    const d = data.length
    const p = parityCount
    if (data.some(s => s == null)) throw new ErasureParamsError('encode needs every data shard')
    const size = checkShards(data, d, p)
    const out = await this.call({ impl: this.impl, op: 'encode', buf: stripeBuffer(data, d + p, size), d, p, size }, opts.signal)
    return Array.from({ length: p }, (_, j) => new Uint8Array(out, (d + j) * size, size))
  }

  async reconstruct (shards: Array<Uint8Array | undefined>, d: number, p: number, opts: CodecOptions = {}): Promise<Uint8Array[]> {
    opts.signal?.throwIfAborted()
    if (!Array.isArray(shards) || shards.length !== d + p) {
      throw new ErasureParamsError(`reconstruct needs d+p=${d + p} shard slots, got ${Array.isArray(shards) ? shards.length : typeof shards}`)
    }
    const size = checkShards(shards, d, p)
    const present = shards.map(s => s != null)
    const have = present.filter(Boolean).length
    if (have < d) {
      throw new ErasureParamsError(`reconstruct needs at least ${d} of ${d + p} shards, got ${have}`)
    }
    const whole = stripeBuffer(shards, d + p, size)
    let out = whole // nothing lost: no need to wake the worker
    if (present.some(x => !x)) {
      if (whole instanceof ArrayBuffer && this.inline != null) {
        if (this.closed) throw new CodecClosedError()
        await this.inline.reconstruct(new Uint8Array(whole), d, p, size, present, opts.signal)
      } else {
        out = await this.call({ impl: this.impl, op: 'reconstruct', buf: whole, d, p, size, present }, opts.signal)
      }
    }
    return Array.from({ length: d + p }, (_, i) => new Uint8Array(out, i * size, size))
  }

  async close (): Promise<void> {
    this.closed = true
    const w = this.worker
    this.worker = undefined
    this.failAll(new CodecClosedError())
    if (w != null) await w.terminate()
  }

  private call (req: Omit<CodeRequest, 'id'>, signal?: AbortSignal): Promise<StripeMemory> {
    if (this.closed) return Promise.reject(new CodecClosedError())
    const worker = this.start()
    const id = this.nextId++
    const shared = req.buf instanceof SharedArrayBuffer
    return new Promise<StripeMemory>((resolve, reject) => {
      let aborted = false
      const onAbort = (): void => {
        // the wasm call cannot be interrupted. A moved buffer is the worker's: drop its answer
        // when it comes. A shared one is still being written: the caller may reuse it only once
        // the worker is done, so the abort is reported then.
        if (shared) {
          aborted = true
          return
        }
        this.settle(id)
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.pending.set(id, {
        resolve: (buf) => {
          signal?.removeEventListener('abort', onAbort)
          if (aborted) reject(signal?.reason)
          else resolve(shared ? req.buf : buf) // the caller's SharedArrayBuffer, not the worker's handle on it
        },
        reject: (err) => { signal?.removeEventListener('abort', onAbort); reject(err) }
      })
      worker.ref()
      worker.postMessage({ ...req, id }, req.buf instanceof ArrayBuffer ? [req.buf] : [])
    })
  }

  private start (): Worker {
    if (this.worker != null) return this.worker
    // the parent's flags (--input-type, --eval …) can make a worker fail to load: it needs none
    const w = new Worker(new URL('./wasm-worker.js', import.meta.url), { execArgv: [] })
    w.unref()
    w.on('message', (res: CodeResponse) => {
      const p = this.settle(res.id)
      if (p == null) return
      if ('error' in res) p.reject(new CodecError(res.error.message, res.error.code))
      else p.resolve(res.buf)
    })
    w.on('error', (err) => {
      // a dead worker loses every call in flight; the next call starts a fresh one
      if (this.worker === w) this.worker = undefined
      this.failAll(new CodecError(`erasure codec worker failed: ${err.message}`))
    })
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined
      this.failAll(new CodecError(`erasure codec worker exited with code ${code}`))
    })
    this.worker = w
    return w
  }

  private settle (id: number): Pending | undefined {
    const p = this.pending.get(id)
    this.pending.delete(id)
    if (this.pending.size === 0) this.worker?.unref()
    return p
  }

  private failAll (err: Error): void {
    const all = [...this.pending.values()]
    this.pending.clear()
    this.worker?.unref()
    for (const p of all) p.reject(err)
  }
}

/** The subspace wasm codec (about 0.4-0.8 GB/s at 4+2): reads and writes WASM_CODEC_ID stripes. */
export class WasmCodec extends WorkerCodec {
  constructor () {
    super(WASM_CODEC_ID, 'subspace')
  }
}
