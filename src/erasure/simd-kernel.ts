// The WebAssembly SIMD kernel of the SIMD codec, emitted as module bytes by this file (there is
// no wasm toolchain in the build: the module is a few hundred bytes, assembled at load time).
//
// The kernel is a GF(2^8) multiply-accumulate over column slices: out_j = XOR_i c_ji · in_i,
// for P outputs at once (one pass over the inputs), W vectors of 16 bytes per iteration. A
// product c·x is looked up with split nibble tables: c·x = T_lo[x & 15] XOR T_hi[x >> 4], two
// 16-entry byte shuffles (i8x16.relaxed_swizzle, pshufb on x86, where available; i8x16.swizzle
// otherwise — the same result, since every index is 0..15).
//
//   mac<P>(tab, inp, nin, stride, out, len)
//     tab:    nibble tables, for each input i, for each output j: 16 bytes lo, 16 bytes hi
//     inp:    nin input columns, input i at inp + i·stride
//     out:    P output columns, output j at out + j·stride
//     len:    bytes per column to code, a multiple of 16·W (bytes past the caller's width are
//             coded too: columns are independent, so padding only costs time)
// All pointers are byte offsets into the module's exported memory `mem`.

// ---- a minimal wasm assembler ----

function uleb (n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}

function sleb (n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b)
      return out
    }
    out.push(b | 0x80)
  }
}

function name (s: string): number[] {
  const b = [...Buffer.from(s, 'utf8')]
  return [...uleb(b.length), ...b]
}

function vec (items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()]
}

function section (id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body]
}

const T_I32 = 0x7f
const T_V128 = 0x7b

const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (l: number) => [0x20, ...uleb(l)],
  set: (l: number) => [0x21, ...uleb(l)],
  tee: (l: number) => [0x22, ...uleb(l)],
  i32: (n: number) => [0x41, ...sleb(n)],
  i32Eqz: [0x45],
  i32LtU: [0x49],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  v128Load: (offset: number) => [0xfd, ...uleb(0x00), 0, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, ...uleb(0x0b), 0, ...uleb(offset)],
  v128Const: (bytes: number[]) => [0xfd, ...uleb(0x0c), ...bytes],
  swizzle: [0xfd, ...uleb(0x0e)],
  relaxedSwizzle: [0xfd, ...uleb(0x100)],
  and: [0xfd, ...uleb(0x4e)],
  xor: [0xfd, ...uleb(0x51)],
  i16x8ShrU: [0xfd, ...uleb(0x8d)]
}

// ---- the kernel ----

/** Outputs per pass for which a kernel exists (mac1 .. mac<MAX_PASS_OUTPUTS>). */
export const MAX_PASS_OUTPUTS = 4

/** Vectors (16 bytes) per loop iteration for P outputs: P·W accumulators stay in registers. */
function vectorsPerIteration (outputs: number): number {
  return outputs <= 2 ? 4 : 2
}

/** Bytes per column one iteration of mac<outputs> codes: `len` must be a multiple of it. */
export function kernelStep (outputs: number): number {
  return 16 * vectorsPerIteration(outputs)
}

/** Every kernel's step divides this. */
export const KERNEL_ALIGN = 64

function macBody (P: number, W: number, relaxed: boolean): number[] {
  // params
  const TAB = 0; const INP = 1; const NIN = 2; const STRIDE = 3; const OUT = 4; const LEN = 5
  // i32 locals
  const OFF = 6; const T = 7; const IP = 8; const I = 9; const OP = 10
  const i32Locals = 5
  // v128 locals
  let v = 6 + i32Locals
  const MASK = v++
  const ACC = Array.from({ length: P }, () => Array.from({ length: W }, () => v++))
  const LO = Array.from({ length: W }, () => v++)
  const HI = Array.from({ length: W }, () => v++)
  const TL = v++
  const TH = v++
  const v128Locals = v - (6 + i32Locals)
  const swz = relaxed ? op.relaxedSwizzle : op.swizzle

  const c: number[] = []
  const emit = (...parts: number[][]): void => { for (const p of parts) c.push(...p) }

  emit(op.v128Const(Array(16).fill(0x0f)), op.set(MASK))
  emit(op.i32(0), op.set(OFF))
  emit(op.block)
  emit(op.get(LEN), op.i32Eqz, op.brIf(0))
  emit(op.loop) // columns
  emit(op.get(TAB), op.set(T))
  emit(op.get(INP), op.get(OFF), op.i32Add, op.set(IP))
  emit(op.get(NIN), op.set(I))
  for (const row of ACC) for (const a of row) emit(op.v128Const(Array(16).fill(0)), op.set(a))
  emit(op.loop) // inputs
  for (let k = 0; k < W; k++) {
    emit(op.get(IP), op.v128Load(16 * k), op.tee(HI[k]), op.get(MASK), op.and, op.set(LO[k]))
    emit(op.get(HI[k]), op.i32(4), op.i16x8ShrU, op.get(MASK), op.and, op.set(HI[k]))
  }
  for (let j = 0; j < P; j++) {
    emit(op.get(T), op.v128Load(32 * j), op.set(TL))
    emit(op.get(T), op.v128Load(32 * j + 16), op.set(TH))
    for (let k = 0; k < W; k++) {
      emit(op.get(ACC[j][k]), op.get(TL), op.get(LO[k]), swz, op.xor)
      emit(op.get(TH), op.get(HI[k]), swz, op.xor, op.set(ACC[j][k]))
    }
  }
  emit(op.get(T), op.i32(32 * P), op.i32Add, op.set(T))
  emit(op.get(IP), op.get(STRIDE), op.i32Add, op.set(IP))
  emit(op.get(I), op.i32(1), op.i32Sub, op.tee(I), op.brIf(0))
  emit(op.end) // inputs
  emit(op.get(OUT), op.get(OFF), op.i32Add, op.set(OP))
  for (let j = 0; j < P; j++) {
    if (j > 0) emit(op.get(OP), op.get(STRIDE), op.i32Add, op.set(OP))
    for (let k = 0; k < W; k++) emit(op.get(OP), op.get(ACC[j][k]), op.v128Store(16 * k))
  }
  emit(op.get(OFF), op.i32(16 * W), op.i32Add, op.tee(OFF), op.get(LEN), op.i32LtU, op.brIf(0))
  emit(op.end) // columns
  emit(op.end) // block
  emit(op.end) // function

  const locals = vec([[...uleb(i32Locals), T_I32], [...uleb(v128Locals), T_V128]])
  const body = [...locals, ...c]
  return [...uleb(body.length), ...body]
}

/** The kernel module: functions mac1 .. mac<MAX_PASS_OUTPUTS>, or the given shapes (P, W) named mac<P>x<W>. */
export function moduleBytes (relaxed: boolean, shapes?: Array<[number, number]>): Uint8Array {
  const macType = [0x60, ...vec(Array.from({ length: 6 }, () => [T_I32])), ...vec([])]
  const kernels = shapes ?? Array.from({ length: MAX_PASS_OUTPUTS }, (_, i): [number, number] => [i + 1, vectorsPerIteration(i + 1)])
  const fname = ([P, W]: [number, number]): string => shapes == null ? `mac${P}` : `mac${P}x${W}`
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([macType])),
    ...section(3, vec(kernels.map(() => uleb(0)))),
    ...section(5, vec([[0x00, ...uleb(1)]])), // memory: 1 page to start, grown by the binding
    ...section(7, vec([
      [...name('mem'), 0x02, ...uleb(0)],
      ...kernels.map((k, i) => [...name(fname(k)), 0x00, ...uleb(i)])
    ])),
    ...section(10, vec(kernels.map(([P, W]) => macBody(P, W, relaxed))))
  ]
  return Uint8Array.from(bytes)
}

// The project compiles without the DOM lib, which is where TypeScript declares WebAssembly.
interface WasmApi {
  validate: (bytes: Uint8Array) => boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: unknown }
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly

export type MacFn = (tab: number, inp: number, nin: number, stride: number, out: number, len: number) => void

export interface KernelExports {
  mem: { buffer: ArrayBuffer, grow: (pages: number) => number }
  mac1: MacFn
  mac2: MacFn
  mac3: MacFn
  mac4: MacFn
}

let variant: { bytes: Uint8Array, relaxed: boolean } | null | undefined

/** The module this runtime accepts: relaxed SIMD if it has it, plain SIMD if not, or null. */
export function simdKernel (): { bytes: Uint8Array, relaxed: boolean } | null {
  if (variant !== undefined) return variant
  variant = null
  if (WA == null) return variant
  for (const relaxed of [true, false]) {
    const bytes = moduleBytes(relaxed)
    try {
      if (WA.validate(bytes)) {
        variant = { bytes, relaxed }
        break
      }
    } catch { /* not this variant */ }
  }
  return variant
}

/** Whether WebAssembly SIMD is available (the SIMD codec can run). */
export function simdAvailable (): boolean {
  return simdKernel() != null
}

let compiled: object | undefined

/**
 * A fresh instance of the kernel module (its own memory). Throws when SIMD is unavailable.
 * `plain` forces i8x16.swizzle where relaxed SIMD is available (tests: both give equal bytes).
 */
export function instantiateKernel (opts: { plain?: boolean } = {}): KernelExports {
  const k = simdKernel()
  if (k == null || WA == null) throw new Error('WebAssembly SIMD is not available in this runtime')
  if (opts.plain === true && k.relaxed) return new WA.Instance(new WA.Module(moduleBytes(false))).exports as KernelExports
  compiled ??= new WA.Module(k.bytes)
  return new WA.Instance(compiled).exports as KernelExports
}
