// GF(2^8) arithmetic and the Reed-Solomon matrices of klauspost/reedsolomon's default encoder
// (reducing polynomial 0x11d, generator 2). Only the small matrix math lives here; the byte
// work is done by the SIMD kernel (simd-kernel.ts) with nibble tables made by `nibbleTables`.
//
// Encode matrix (klauspost `buildMatrix`): the (d+p) x d Vandermonde matrix V[r][c] = r^c,
// times the inverse of its top d x d square, so the top d rows are the identity (systematic
// code) and the bottom p rows give the parity. Any d rows of it are invertible.

const EXP = new Uint8Array(510)
const LOG = new Uint8Array(256)
{
  let x = 1
  for (let i = 0; i < 255; i++) {
    EXP[i] = x
    EXP[i + 255] = x
    LOG[x] = i
    x <<= 1
    if (x & 0x100) x ^= 0x11d
  }
}

export function gfMul (a: number, b: number): number {
  if (a === 0 || b === 0) return 0
  return EXP[LOG[a] + LOG[b]]
}

export function gfInv (a: number): number {
  if (a === 0) throw new RangeError('GF(2^8): zero has no inverse')
  return EXP[255 - LOG[a]]
}

/** a^n, with 0^0 = 1 (klauspost's galExp). */
export function gfExp (a: number, n: number): number {
  if (n === 0) return 1
  if (a === 0) return 0
  return EXP[(LOG[a] * n) % 255]
}

/** A rows x cols matrix, row-major. */
export type Matrix = Uint8Array[]

export function matMul (a: Matrix, b: Matrix): Matrix {
  const inner = b.length
  const cols = b[0].length
  return a.map(row => {
    const out = new Uint8Array(cols)
    for (let c = 0; c < cols; c++) {
      let v = 0
      for (let k = 0; k < inner; k++) v ^= gfMul(row[k], b[k][c])
      out[c] = v
    }
    return out
  })
}

/** Inverse of a square matrix (Gauss-Jordan); throws if it is singular. */
export function matInvert (m: Matrix): Matrix {
  const n = m.length
  const a = m.map(r => Uint8Array.from(r))
  const inv = Array.from({ length: n }, (_, i) => { const r = new Uint8Array(n); r[i] = 1; return r })
  for (let col = 0; col < n; col++) {
    let pivot = col
    while (pivot < n && a[pivot][col] === 0) pivot++
    if (pivot === n) throw new RangeError('GF(2^8): singular matrix')
    if (pivot !== col) {
      [a[pivot], a[col]] = [a[col], a[pivot]];
      [inv[pivot], inv[col]] = [inv[col], inv[pivot]]
    }
    const scale = gfInv(a[col][col])
    if (scale !== 1) {
      for (let c = 0; c < n; c++) {
        a[col][c] = gfMul(a[col][c], scale)
        inv[col][c] = gfMul(inv[col][c], scale)
      }
    }
    for (let r = 0; r < n; r++) {
      const f = a[r][col]
      if (r === col || f === 0) continue
      for (let c = 0; c < n; c++) {
        a[r][c] ^= gfMul(f, a[col][c])
        inv[r][c] ^= gfMul(f, inv[col][c])
      }
    }
  }
  return inv
}

const encodeMatrices = new Map<string, Matrix>()

/** klauspost's default (d+p) x d systematic encode matrix (cached; do not modify). */
export function encodeMatrix (d: number, p: number): Matrix {
  const key = `${d}+${p}`
  let m = encodeMatrices.get(key)
  if (m == null) {
    const vm = Array.from({ length: d + p }, (_, r) => Uint8Array.from({ length: d }, (_, c) => gfExp(r, c)))
    m = matMul(vm, matInvert(vm.slice(0, d)))
    if (encodeMatrices.size >= 64) encodeMatrices.clear()
    encodeMatrices.set(key, m)
  }
  return m
}

/**
 * The coefficients that rebuild the shards `targets` (stripe positions) from the shards
 * `inputs` (d stripe positions that are present): row t gives target t as a combination of
 * the inputs. Data targets come from the inverse of the inputs' encode rows; parity targets
 * are their encode row times that inverse, so everything lost is rebuilt in one pass.
 */
export function rebuildRows (d: number, p: number, inputs: readonly number[], targets: readonly number[]): Matrix {
  const em = encodeMatrix(d, p)
  const inv = matInvert(inputs.map(i => em[i]))
  return targets.map(t => t < d ? inv[t] : matMul([em[t]], inv)[0])
}

/**
 * Split nibble tables for multiplying by the coefficients of `rows` (outputs x inputs), laid out
 * as the kernel reads them: for each input, for each output, 16 bytes c·n then 16 bytes
 * c·(n << 4) for n = 0..15.
 */
export function nibbleTables (rows: Matrix, inputs: number): Uint8Array {
  const outputs = rows.length
  const t = new Uint8Array(inputs * outputs * 32)
  for (let i = 0; i < inputs; i++) {
    for (let j = 0; j < outputs; j++) {
      const c = rows[j][i]
      const at = (i * outputs + j) * 32
      for (let n = 0; n < 16; n++) {
        t[at + n] = gfMul(c, n)
        t[at + 16 + n] = gfMul(c, n << 4)
      }
    }
  }
  return t
}
