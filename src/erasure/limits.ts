// Limits shared by the codec, the stripe builder, the manifest and the shard-size policy.
// They exist because of measured limits of the wasm codec and of IPFS blocks (see
// reference/js-stack-and-rs-codecs.md §2): keep them in one place so the policy that picks
// shard sizes never picks something the codec or the manifest then refuses.
import { ErasureParamsError } from './errors.js'

/** GF(2^8) Reed-Solomon: at most 256 shards per stripe. */
export const MAX_TOTAL_SHARDS = 256

/**
 * Largest (d+p) × shard-size one codec call accepts. The stripe lives in JS memory while it is
 * coded; the wasm itself only ever sees column slices of it (WASM_SLICE_BYTES), because wasm
 * memory never shrinks and breaks for good past 2 GiB.
 */
export const MAX_STRIPE_BYTES = 512 * 1024 * 1024

/** Largest (d+p) × slice-width handed to one wasm call. */
export const WASM_SLICE_BYTES = 4 * 1024 * 1024

/** No block we write (manifest page, shard node, parity block) is larger than this. */
export const MAX_BLOCK_BYTES = 1024 * 1024

/**
 * Block references ([cid, length]) one stripe may hold, data and parity together. A reference
 * encodes to ≤ ~80 bytes in DAG-CBOR even with 512-bit hashes, so one stripe's manifest entry
 * stays below MAX_BLOCK_BYTES and any stripe fits in one manifest page.
 */
export const MAX_STRIPE_BLOCK_REFS = 8192

/** Default size of the raw blocks parity bytes are cut into. */
export const DEFAULT_PARITY_BLOCK_SIZE = 256 * 1024

/** Throws unless 1 <= d, 1 <= p, d+p <= 256 (integers). */
export function validateShardCounts (d: number, p: number): void {
  if (!Number.isSafeInteger(d) || d < 1) {
    throw new ErasureParamsError(`data shards must be an integer >= 1 (got ${d}): set data-shards to at least 1`)
  }
  if (!Number.isSafeInteger(p) || p < 1) {
    throw new ErasureParamsError(`parity shards must be an integer >= 1 (got ${p}): set parity-shards to at least 1`)
  }
  if (d + p > MAX_TOTAL_SHARDS) {
    throw new ErasureParamsError(`data shards + parity shards must be <= ${MAX_TOTAL_SHARDS} (got ${d}+${p}=${d + p}): lower data-shards or parity-shards`)
  }
}

/** Most blocks one data shard may hold so the stripe's block references stay bounded. */
export function maxBlocksPerShard (d: number, p: number): number {
  return Math.max(1, Math.floor(MAX_STRIPE_BLOCK_REFS / (d + p)))
}
