// Pure sizing decisions for an erasure-coded add: which shard size, and whether the input is
// too small for erasure coding to pay off. Nothing here touches bytes.
import { ErasureParamsError } from './errors.js'
import { MAX_STRIPE_BYTES, maxBlocksPerShard, validateShardCounts } from './limits.js'

export interface ShardSizeInput {
  /** bytes of leaf data to code (the file size) */
  fileSize: number
  d: number
  p: number
  /** the importer's (largest) leaf size */
  chunkSize: number
  /** the largest shard size allowed (config / --shard-size ceiling) */
  maxShardSize: number
  /** an explicit shard size from the user, instead of the automatic one */
  requested?: number
}

export interface ShardSizeChoice {
  /** bytes per data shard: a multiple of chunkSize */
  shardSize: number
  /** stripes the file will need with fixed-size chunks */
  stripes: number
}

function positiveInt (v: number, what: string, hint: string): void {
  if (!Number.isSafeInteger(v) || v < 1) throw new ErasureParamsError(`${what} must be a positive integer (got ${v}): ${hint}`)
}

/** The largest shard size d, p and chunkSize allow, before the user's ceiling. */
function hardCeiling (d: number, p: number, chunkSize: number): number {
  const byMemory = Math.floor(MAX_STRIPE_BYTES / (d + p))
  const byBlocks = maxBlocksPerShard(d, p) * chunkSize
  return Math.floor(Math.min(byMemory, byBlocks) / chunkSize) * chunkSize
}

/**
 * Shard size so the file fills whole stripes: with n = the fewest stripes whose shards stay
 * within the ceiling (maxShardSize rounded down to whole chunks, and what one codec call and
 * one manifest stripe allow), ceil(fileSize / (n x d)) rounded up to whole chunks, at least
 * one chunk. An explicit `requested` size must lie in [chunkSize, maxShardSize] and is
 * rounded down to whole chunks, since shards hold whole blocks.
 */
export function chooseShardSize (input: ShardSizeInput): ShardSizeChoice {
  const { fileSize, d, p, chunkSize, maxShardSize, requested } = input
  validateShardCounts(d, p)
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) throw new ErasureParamsError(`file size must be a non-negative integer (got ${fileSize})`)
  positiveInt(chunkSize, 'chunk size', 'set a chunker size of at least 1 byte')
  positiveInt(maxShardSize, 'max shard size', 'set shard-size to at least the chunk size')
  if (maxShardSize < chunkSize) {
    throw new ErasureParamsError(`max shard size ${maxShardSize} is smaller than the chunk size ${chunkSize}: raise shard-size to at least ${chunkSize} or use a smaller chunker`)
  }
  const hard = hardCeiling(d, p, chunkSize)
  if (hard < chunkSize) {
    throw new ErasureParamsError(`a stripe of ${d}+${p} shards of one ${chunkSize}-byte chunk exceeds the ${MAX_STRIPE_BYTES}-byte stripe limit: use fewer shards or a smaller chunker`)
  }
  const ceiling = Math.min(hard, Math.floor(maxShardSize / chunkSize) * chunkSize)
  let shardSize: number
  if (requested != null) {
    positiveInt(requested, 'shard size', `set shard-size between ${chunkSize} and ${maxShardSize}`)
    if (requested < chunkSize) throw new ErasureParamsError(`shard size ${requested} is smaller than the chunk size ${chunkSize}: set shard-size to at least ${chunkSize} or use a smaller chunker`)
    if (requested > maxShardSize) throw new ErasureParamsError(`shard size ${requested} is larger than the maximum ${maxShardSize}: set shard-size to at most ${maxShardSize}`)
    if (requested > hard + chunkSize - 1) {
      throw new ErasureParamsError(`shard size ${requested} is too large for ${d}+${p} shards: set shard-size to at most ${hard} (one stripe must stay under ${MAX_STRIPE_BYTES} bytes and ${maxBlocksPerShard(d, p)} blocks per shard)`)
    }
    shardSize = Math.floor(requested / chunkSize) * chunkSize
  } else {
    // as few stripes as the ceiling allows, then the smallest whole-chunk shards that hold the
    // file in that many stripes: a big file fills its last stripe too, not just its first ones
    const stripes = Math.max(1, Math.ceil(fileSize / (d * ceiling)))
    const perShard = Math.ceil(fileSize / (stripes * d))
    shardSize = Math.min(ceiling, Math.max(chunkSize, Math.ceil(perShard / chunkSize) * chunkSize))
  }
  return { shardSize, stripes: fileSize === 0 ? 0 : Math.ceil(fileSize / (d * shardSize)) }
}

/** Bytes an erasure-coded file occupies: its data plus p parity shards per stripe, each as long as the stripe's longest data shard. */
export function erasureStoredBytes (fileSize: number, d: number, p: number, shardSize: number): number {
  const full = Math.floor(fileSize / (d * shardSize))
  const rest = fileSize - full * d * shardSize
  return fileSize + p * (full * shardSize + Math.min(shardSize, rest))
}

export interface StoragePolicyInput {
  fileSize: number
  d: number
  p: number
  chunkSize: number
  shardSize: number
  /** below this size always replicate (default d × chunkSize: the file cannot fill one chunk per data shard) */
  minErasureBytes?: number
}

export type StorageDecision =
  | { mode: 'replicate', replicas: number, storedBytes: number, reason: string }
  | { mode: 'erasure', storedBytes: number, replicatedBytes: number }

/**
 * Erasure coding or p+1 full replicas? Both survive the loss of any p holders. Tiny inputs
 * (under minErasureBytes) are replicated, and so is any input for which erasure coding would
 * store at least as many bytes as p+1 replicas (a single data shard pays p full-size parity
 * shards): erasure coding is chosen only when it is strictly cheaper.
 */
export function smallFilePolicy (input: StoragePolicyInput): StorageDecision {
  const { fileSize, d, p, chunkSize, shardSize } = input
  validateShardCounts(d, p)
  positiveInt(chunkSize, 'chunk size', 'set a chunker size of at least 1 byte')
  positiveInt(shardSize, 'shard size', 'set shard-size to at least the chunk size')
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) throw new ErasureParamsError(`file size must be a non-negative integer (got ${fileSize})`)
  const replicas = p + 1
  const replicatedBytes = replicas * fileSize
  const min = input.minErasureBytes ?? d * chunkSize
  if (fileSize < min) {
    return { mode: 'replicate', replicas, storedBytes: replicatedBytes, reason: `${fileSize} bytes is below the ${min}-byte erasure-coding minimum` }
  }
  const storedBytes = erasureStoredBytes(fileSize, d, p, shardSize)
  if (storedBytes >= replicatedBytes) {
    return { mode: 'replicate', replicas, storedBytes: replicatedBytes, reason: `erasure coding would store ${storedBytes} bytes, not less than ${replicas} replicas (${replicatedBytes})` }
  }
  return { mode: 'erasure', storedBytes, replicatedBytes }
}
