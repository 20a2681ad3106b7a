// The SIMD codec's engine: Reed-Solomon over one instance of the SIMD kernel (simd-kernel.ts),
// with the matrices of klauspost's default encoder (gf256.ts), so its parity is byte-identical
// to the subspace wasm's and klauspost's.
//
// Bytes are coded in column slices: the inputs' bytes [a, b) are copied into wasm memory, coded
// into the outputs' bytes [a, b), and copied back. RS works byte column by byte column, so this
// gives exactly the result of whole shards, while wasm memory (which never shrinks) stays small:
// a slice holds about SIMD_SLICE_BYTES of all shards together, sized to stay in the CPU cache.
import { KERNEL_ALIGN, MAX_PASS_OUTPUTS, instantiateKernel, kernelStep } from './simd-kernel.js'
import type { KernelExports, MacFn } from './simd-kernel.js'
import { encodeMatrix, nibbleTables, rebuildRows } from './gf256.js'
import type { Matrix } from './gf256.js'

/** Bytes of all shards' columns together that one kernel slice codes (inputs + outputs). */
export const SIMD_SLICE_BYTES = 512 * 1024

const PAGE = 65536

interface Plan {
  /** nibble tables of each pass (up to MAX_PASS_OUTPUTS outputs) */
  passes: Array<{ outputs: number, tables: Uint8Array }>
}

function plan (rows: Matrix, inputs: number): Plan {
  const passes: Plan['passes'] = []
  for (let j = 0; j < rows.length; j += MAX_PASS_OUTPUTS) {
    const group = rows.slice(j, j + MAX_PASS_OUTPUTS)
    passes.push({ outputs: group.length, tables: nibbleTables(group, inputs) })
  }
  return { passes }
}

export class RsSimd {
  private readonly ex: KernelExports
  private readonly macs: MacFn[]
  private readonly encodePlans = new Map<string, Plan>()

  /** `plain`: the kernel without relaxed SIMD even where it is available (for tests). */
  constructor (opts: { plain?: boolean } = {}) {
    this.ex = instantiateKernel(opts)
    this.macs = [this.ex.mac1, this.ex.mac2, this.ex.mac3, this.ex.mac4]
  }

  /** Bytes of wasm memory (it grows to the largest slice and stays there). */
  get memoryBytes (): number {
    return this.ex.mem.buffer.byteLength
  }

  /** Fills the parity shards of `whole` ((d+p) × size, shard-major) in place. */
  encode (whole: Uint8Array, d: number, p: number, size: number): void {
    const key = `${d}+${p}`
    let pl = this.encodePlans.get(key)
    if (pl == null) {
      pl = plan(encodeMatrix(d, p).slice(d), d)
      if (this.encodePlans.size >= 16) this.encodePlans.clear()
      this.encodePlans.set(key, pl)
    }
    const inputs = Array.from({ length: d }, (_, i) => i)
    const outputs = Array.from({ length: p }, (_, j) => d + j)
    this.code(whole, size, pl, inputs, outputs)
  }

  /**
   * Rebuilds the shards of `whole` that are not `present`, data and parity, in place: their
   * bytes [from, to) (default: all), so a caller can code a stripe in parts.
   */
  reconstruct (whole: Uint8Array, d: number, p: number, size: number, present: boolean[], from = 0, to = size): void {
    const lost: number[] = []
    const inputs: number[] = []
    for (let i = 0; i < d + p; i++) {
      if (!present[i]) lost.push(i)
      else if (inputs.length < d) inputs.push(i)
    }
    if (lost.length === 0) return
    if (inputs.length < d) throw new RangeError(`reconstruct needs ${d} shards, has ${inputs.length}`)
    this.code(whole, size, plan(rebuildRows(d, p, inputs, lost), d), inputs, lost, from, to)
  }

  /** outputs[j] = rows[j] · inputs over bytes [from, to) of each shard, column slice by column slice, through wasm memory. */
  private code (whole: Uint8Array, size: number, pl: Plan, inputs: number[], outputs: number[], from = 0, to = size): void {
    const nin = inputs.length
    const nout = outputs.length
    const tableBytes = pl.passes.reduce((s, x) => s + x.tables.byteLength, 0)
    // slice width: a multiple of KERNEL_ALIGN, at most the (aligned) shard size
    const budget = Math.floor(SIMD_SLICE_BYTES / (nin + nout) / KERNEL_ALIGN) * KERNEL_ALIGN
    const stride = Math.min(Math.max(KERNEL_ALIGN, budget), Math.ceil(size / KERNEL_ALIGN) * KERNEL_ALIGN)
    const tabAt = 0
    const inAt = Math.ceil(tableBytes / KERNEL_ALIGN) * KERNEL_ALIGN
    const outAt = inAt + nin * stride
    const need = outAt + nout * stride
    const have = this.ex.mem.buffer.byteLength
    if (need > have) this.ex.mem.grow(Math.ceil((need - have) / PAGE))
    const mem = new Uint8Array(this.ex.mem.buffer)
    const passAt: number[] = []
    let t = tabAt
    for (const pass of pl.passes) {
      passAt.push(t)
      mem.set(pass.tables, t)
      t += pass.tables.byteLength
    }
    const inBase = inputs.map(i => i * size)
    const outBase = outputs.map(i => i * size)
    for (let off = from; off < to; off += stride) {
      const w = Math.min(stride, to - off)
      for (let i = 0; i < nin; i++) {
        const a = inBase[i] + off
        mem.set(whole.subarray(a, a + w), inAt + i * stride)
      }
      let first = 0
      for (let k = 0; k < pl.passes.length; k++) {
        const pass = pl.passes[k]
        const step = kernelStep(pass.outputs)
        const len = Math.ceil(w / step) * step
        this.macs[pass.outputs - 1](passAt[k], inAt, nin, stride, outAt + first * stride, len)
        first += pass.outputs
      }
      for (let j = 0; j < nout; j++) {
        const a = outAt + j * stride
        whole.set(mem.subarray(a, a + w), outBase[j] + off)
      }
    }
  }
}
