// Byte helpers shared by the encoder and the reconstructor: joining a shard's blocks, cutting
// bytes into raw blocks, and checking bytes against a CID with the CID's own hash function.
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { equals } from 'uint8arrays/equals'
import { hasherByCode } from '../adder/hashes.js'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { BlockRef, RawBlock } from './types.js'
import { copyInto } from '../common/copy-into.js'

const IDENTITY = 0x00

/** A copy of the bytes in memory of its own (Buffer.slice would give a view). */
export function copyOf (bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes)
}

/**
 * Writes the blocks one after the other at the start of `out` (the rest stays as it is). A
 * block that already is the view of `out` at its place (fetched straight into the stripe) is
 * left as it is (copyInto).
 */
export function joinInto (out: Uint8Array, blocks: ReadonlyArray<{ bytes: Uint8Array }>): Uint8Array {
  let off = 0
  for (const b of blocks) {
    copyInto(out, b.bytes, off)
    off += b.bytes.byteLength
  }
  return out
}

/**
 * Parity bytes as CIDv1 raw sha2-256 blocks of at most blockSize bytes. The blocks are copies
 * (the stripe buffer the parity was coded in goes back to a pool for the next stripe), or with
 * `views` views of `bytes` (a caller that reuses the buffer only once the blocks are stored).
 */
export async function cutRawBlocks (bytes: Uint8Array, blockSize: number, opts: { views?: boolean } = {}): Promise<RawBlock[]> {
  const out: RawBlock[] = []
  for (let off = 0; off < bytes.byteLength; off += blockSize) {
    const end = Math.min(off + blockSize, bytes.byteLength)
    const b = opts.views === true ? bytes.subarray(off, end) : bytes.slice(off, end)
    out.push({ cid: CID.createV1(raw.code, await sha256.digest(b)), bytes: b })
  }
  return out
}

/**
 * The buffer behind a laid-out stripe: when every present view i is exactly the slot
 * [(first + i) x size, (first + i + 1) x size) of one `total` x size buffer (an ArrayBuffer, or
 * a SharedArrayBuffer the codec's worker codes in place), that buffer; otherwise undefined.
 */
export function stripeBehind (views: ReadonlyArray<Uint8Array | undefined>, first: number, total: number, size: number): ArrayBuffer | SharedArrayBuffer | undefined {
  const buf = views.find(v => v != null)?.buffer
  if (!(buf instanceof ArrayBuffer || buf instanceof SharedArrayBuffer) || buf.byteLength !== total * size) return undefined
  const laidOut = views.every((v, i) => v == null || (v.buffer === buf && v.byteOffset === (first + i) * size && v.byteLength === size))
  return laidOut ? buf : undefined
}

/**
 * Splits bytes by the lengths of refs (bytes may be longer: padding is dropped). The blocks are
 * views of `bytes`, which they keep alive: a stripe read back is one buffer, not its blocks'
 * copies.
 */
export function splitByRefs (bytes: Uint8Array, refs: readonly BlockRef[]): RawBlock[] {
  let off = 0
  return refs.map(([cid, len]) => {
    const b = bytes.subarray(off, off + len)
    off += len
    return { cid, bytes: b }
  })
}

/**
 * True when bytes hash to cid (given whole or as the pieces they arrived in). Unknown hash
 * functions are reported as false: a block we cannot verify is never handed out as verified.
 */
export async function verifyBlock (cid: CID, bytes: Uint8Array | Uint8ArrayList): Promise<boolean> {
  return blockMatches(cid, bytes)
}

/** verifyBlock where a caller cannot wait (the hashers of the codes a CID may name are synchronous). */
export function blockMatches (cid: CID, bytes: Uint8Array | Uint8ArrayList): boolean {
  const mh = cid.multihash
  if (mh.code === IDENTITY) return equals(mh.digest, bytes.subarray())
  const hasher = hasherByCode(mh.code)
  if (hasher == null) return false
  const digest = hasher.digest(bytes)
  return digest.digest.byteLength >= mh.size && equals(digest.digest.subarray(0, mh.size), mh.digest)
}
