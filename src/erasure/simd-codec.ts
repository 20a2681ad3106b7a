// The SIMD codec: the worker codec (wasm-codec.ts) with the WebAssembly SIMD engine
// (simd-binding.ts, simd-kernel.ts); stripes in plain memory are rebuilt on the calling thread
// (simd-inline.ts). Its parity is byte-identical to WasmCodec's (klauspost's
// default systematic Vandermonde GF(2^8) code), several times faster: ≥ 3 GB/s encode at 4+2 on
// one core where the subspace wasm does 0.4-0.8 GB/s.
import { WorkerCodec } from './wasm-codec.js'
import { simdAvailable } from './simd-kernel.js'
import { CodecError } from './errors.js'
import { InlineSimd } from './simd-inline.js'

export const SIMD_CODEC_ID = 'rs-vandermonde-gf8/simd-wasm-1'

export class SimdCodec extends WorkerCodec {
  /** Throws CodecError when the runtime has no WebAssembly SIMD (use createCodec() to fall back). */
  constructor () {
    if (!simdAvailable()) throw new CodecError('WebAssembly SIMD is not available in this runtime')
    super(SIMD_CODEC_ID, 'simd', new InlineSimd())
  }
}
