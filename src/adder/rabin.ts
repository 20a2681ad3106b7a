// Content-defined chunking that cuts exactly where kubo's "rabin" chunker does. Kubo uses
// github.com/whyrusleeping/chunker (a restic chunker fork) with the polynomial below and a
// 16-byte window; the JS importer's rabin-wasm is a different implementation (datproject's),
// so this file re-implements the go algorithm: per-chunk reset that slides in a 1, skips
// min-16 bytes without hashing, then cuts when the fingerprint's low log2(avg) bits are zero
// or the chunk reaches max.
//
// The fingerprint has degree < 53, so it is kept as two 32-bit halves (hi holds bits 32..52);
// shifting it left by 8 touches at most bit 60 before the mod table folds it back.
import { Uint8ArrayList } from 'uint8arraylist'

/** IpfsRabinPoly: irreducible polynomial of degree 53 */
const POLY = 17437180132763653n
const WINDOW = 16

function deg (p: bigint): number {
  return p === 0n ? -1 : p.toString(2).length - 1
}

function polMod (x: bigint, p: bigint): bigint {
  const dp = deg(p)
  while (deg(x) >= dp) x ^= p << BigInt(deg(x) - dp)
  return x
}

interface Tables {
  outHi: Uint32Array
  outLo: Uint32Array
  modHi: Uint32Array
  modLo: Uint32Array
  polShift: number
}

let cached: Tables | undefined

function tables (): Tables {
  if (cached != null) return cached
  const k = deg(POLY)
  const outHi = new Uint32Array(256)
  const outLo = new Uint32Array(256)
  const modHi = new Uint32Array(256)
  const modLo = new Uint32Array(256)
  const appendByte = (h: bigint, b: number): bigint => polMod((h << 8n) | BigInt(b), POLY)
  for (let b = 0; b < 256; b++) {
    // out[b] = H(b || 0 … 0): xoring it removes byte b leaving the window
    let h = appendByte(0n, b)
    for (let i = 0; i < WINDOW - 1; i++) h = appendByte(h, 0)
    outHi[b] = Number(h >> 32n)
    outLo[b] = Number(h & 0xffffffffn)
    // mod[b] folds the 8 bits above the degree back and cancels them in one xor
    const m = polMod(BigInt(b) << BigInt(k), POLY) | (BigInt(b) << BigInt(k))
    modHi[b] = Number(m >> 32n)
    modLo[b] = Number(m & 0xffffffffn)
  }
  cached = { outHi, outLo, modHi, modLo, polShift: k - 8 }
  return cached
}

/** Splits a byte stream the way kubo's rabin-<min>-<avg>-<max> chunker does. */
export async function * rabinChunks (content: AsyncIterable<Uint8Array>, min: number, avg: number, max: number): AsyncGenerator<Uint8Array> {
  const t = tables()
  const idxShift = t.polShift - 32
  const mask = (2 ** Math.floor(Math.log2(avg))) - 1
  const window = new Uint8Array(WINDOW)
  let wpos = 0
  let hi = 0
  let lo = 0
  let count = 0
  let pre = 0
  const pending = new Uint8ArrayList()

  const slide = (b: number): void => {
    const out = window[wpos]
    window[wpos] = b
    hi ^= t.outHi[out]
    lo = (lo ^ t.outLo[out]) >>> 0
    wpos = (wpos + 1) % WINDOW
    const index = hi >>> idxShift
    hi = ((hi << 8) | (lo >>> 24)) ^ t.modHi[index]
    lo = (((lo << 8) | b) ^ t.modLo[index]) >>> 0
  }
  const reset = (): void => {
    window.fill(0)
    wpos = 0
    hi = 0
    lo = 0
    count = 0
    slide(1)
    pre = Math.max(0, min - WINDOW)
  }
  reset()

  for await (const piece of content) {
    if (piece.byteLength === 0) continue
    pending.append(piece)
    let i = 0
    while (i < piece.byteLength) {
      if (pre > 0) {
        const n = Math.min(pre, piece.byteLength - i)
        pre -= n
        count += n
        i += n
        continue
      }
      let cut = false
      for (; i < piece.byteLength; i++) {
        slide(piece[i])
        count++
        if (count < min) continue
        if ((lo & mask) === 0 || count >= max) {
          i++
          cut = true
          break
        }
      }
      if (cut) {
        yield pending.subarray(0, count)
        pending.consume(count)
        reset()
      }
    }
  }
  if (pending.byteLength > 0) yield pending.subarray()
}
