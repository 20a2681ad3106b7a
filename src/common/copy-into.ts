// Copying bytes to or from shared memory. Erasure coding keeps stripes in SharedArrayBuffers
// (the codec's worker codes them in place), and V8 copies to or from shared memory with relaxed
// atomics: word by word only when source and destination sit at the same offset modulo the
// word size, else byte by byte, ~3 GB/s where a plain copy runs at 20+ GB/s. Blocks arrive at
// any offset (views of socket reads and multipart parts) and noise cuts a shard's blocks into
// messages at odd offsets, so most such copies were byte by byte. Staged through an unshared
// buffer placed at the shared side's alignment, the relaxed copy goes word by word and the
// other is a plain one: ~11 GB/s for the two.

import type { Uint8ArrayList } from 'uint8arraylist'

/** staging size: blocks are at most a few MiB, so a copy stages in one or a few passes */
const STAGE_BYTES = 1 << 20
/** below this, the byte-by-byte copy costs less than staging */
const STAGE_MIN_BYTES = 4096
const WORD = 8
let stage: Uint8Array | undefined

/**
 * Copies `src` into `dst` at `at`, as `dst.set(src, at)` does, fast also to or from shared
 * memory. A source that already is the view of `dst` at that place is left as it is (set would
 * first clone it to copy it onto itself).
 */
export function copyInto (dst: Uint8Array, src: Uint8Array, at: number): void {
  if (src.buffer === dst.buffer && src.byteOffset === dst.byteOffset + at && at + src.byteLength <= dst.byteLength) return
  const dstShared = dst.buffer instanceof SharedArrayBuffer
  const srcShared = src.buffer instanceof SharedArrayBuffer
  const aligned = ((src.byteOffset - dst.byteOffset - at) & (WORD - 1)) === 0
  // both shared: no staging place suits both sides
  if (dstShared === srcShared || aligned || src.byteLength < STAGE_MIN_BYTES) {
    dst.set(src, at)
    return
  }
  // as set: nothing is written when the source does not fit (staging writes pass by pass)
  if (at < 0 || at + src.byteLength > dst.byteLength) throw new RangeError('offset is out of bounds')
  stage ??= new Uint8Array(STAGE_BYTES + WORD)
  for (let off = 0; off < src.byteLength; off += STAGE_BYTES) {
    const piece = src.subarray(off, Math.min(off + STAGE_BYTES, src.byteLength))
    const shift = (dstShared ? dst.byteOffset + at + off : src.byteOffset + off) & (WORD - 1)
    const staged = stage.subarray(shift, shift + piece.byteLength)
    staged.set(piece)
    dst.set(staged, at + off)
  }
}

/** Bytes given whole or as pieces, in one piece: joined (a copy) only when there are several. */
export function wholeBytes (bytes: Uint8Array | Uint8ArrayList): Uint8Array {
  return bytes instanceof Uint8Array ? bytes : bytes.subarray()
}

/**
 * Copies bytes given whole or as the pieces they arrived in (a Uint8ArrayList) into `dst` at
 * `at`, one after the other, never joined first (copyInto for each piece).
 */
export function copyPiecesInto (dst: Uint8Array, bytes: Uint8Array | Iterable<Uint8Array>, at: number): void {
  if (bytes instanceof Uint8Array) {
    copyInto(dst, bytes, at)
    return
  }
  for (const piece of bytes) {
    copyInto(dst, piece, at)
    at += piece.byteLength
  }
}
