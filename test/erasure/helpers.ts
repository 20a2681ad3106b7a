// Test helpers: deterministic bytes and raw blocks.
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { buildStripes, encodeStripe } from '../../src/erasure/index.js'
import type { Codec, EncodedStripe, Manifest, RawBlock } from '../../src/erasure/index.js'

/** A fixed add nonce, so test CIDs are deterministic. */
export const NONCE = new Uint8Array(16).fill(7)

/** Deterministic pseudo-random bytes (xorshift32). */
export function bytes (n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

export async function rawBlock (b: Uint8Array): Promise<RawBlock> {
  return { cid: CID.createV1(raw.code, await sha256.digest(b)), bytes: b }
}

/** A file of `size` bytes cut into raw leaves of `chunk` bytes. */
export async function leaves (size: number, chunk: number, seed = 1): Promise<RawBlock[]> {
  const all = bytes(size, seed)
  const out: RawBlock[] = []
  for (let off = 0; off < size; off += chunk) out.push(await rawBlock(all.slice(off, Math.min(size, off + chunk))))
  return out
}

export function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0))
  let off = 0
  for (const p of parts) { out.set(p, off); off += p.byteLength }
  return out
}

/** Every k-subset of [0, n). */
export function combinations (n: number, k: number): number[][] {
  const out: number[][] = []
  const rec = (start: number, acc: number[]): void => {
    if (acc.length === k) { out.push([...acc]); return }
    for (let i = start; i < n; i++) rec(i + 1, [...acc, i])
  }
  rec(0, [])
  return out
}

/** A whole file coded the way the add flow will: leaves → stripes → encodeStripe → manifest. */
export async function codeFile (size: number, opts: { chunk: number, d: number, p: number, shardSize: number, codec: Codec, seed?: number, parityBlockSize?: number }): Promise<{ leaves: RawBlock[], stripes: EncodedStripe[], manifest: Manifest }> {
  const ls = await leaves(size, opts.chunk, opts.seed)
  const stripes: EncodedStripe[] = []
  for await (const s of buildStripes(ls, { dataShards: opts.d, parityShards: opts.p, shardSize: opts.shardSize })) {
    stripes.push(await encodeStripe(s, opts.codec, opts.p, { dataShards: opts.d, parityBlockSize: opts.parityBlockSize, nonce: NONCE }))
  }
  const manifest: Manifest = {
    version: 1,
    codec: opts.codec.id,
    data_shards: opts.d,
    parity_shards: opts.p,
    shard_size: opts.shardSize,
    file_size: size,
    content_root: (await rawBlock(new TextEncoder().encode(`root ${size}`))).cid,
    nonce: NONCE,
    stripes: stripes.map(s => s.manifest)
  }
  return { leaves: ls, stripes, manifest }
}
