// Everything `add --erasure` checks before it reads a byte of the body (EC rule 1: a clear
// error before any byte is stored). Cluster.add calls this synchronously, so these errors
// reach the client as an HTTP 400 before the streamed 200 response starts.
import type { AddParams } from '../../api/params.js'
import { InvalidArgumentError } from '../../api/errors.js'
import { parseChunkerSpec } from '../../adder/chunker.js'
import { chooseShardSize, validateShardCounts, MAX_BLOCK_BYTES } from '../../erasure/index.js'
import type { ErasureContext } from './context.js'

/**
 * Shard size when the client sent none (`shard-size` 0): cluster-ctl always computes one from
 * the input size; a bare REST client gets this, capped by cluster.ec_max_shard_size and by
 * what one stripe may hold. Small enough that medium files still fill whole stripes.
 */
export const DEFAULT_EC_SHARD_SIZE = 4 * 1024 * 1024

/** Fewer live peers than shards per stripe: the stripe could not be spread over distinct peers. */
export class NotEnoughLivePeersError extends InvalidArgumentError {
  readonly live: number
  readonly needed: number
  constructor (d: number, p: number, live: number) {
    super(`not enough live peers for ${d}+${p} shards: ${live} live, need ${d + p}; lower --data-shards/--parity-shards or start more peers`)
    this.name = 'NotEnoughLivePeersError'
    this.live = live
    this.needed = d + p
  }
}

export interface ErasureAddPlan {
  d: number
  p: number
  /** the importer's largest leaf */
  chunkSize: number
  shardSize: number
  /** size of the raw blocks parity is cut into: the chunk size, at most 1 MiB */
  parityBlockSize: number
  /** live peers, best first, at the time of the add */
  ranking: string[]
  /** the add params the importer runs with (raw leaves forced) */
  params: AddParams
  /** shards of a full stripe that must be stored (cluster.ec_write_quorum, within d+1..d+p) */
  writeQuorum: number
  /** the configured ec_write_quorum when it was below d+1 and raised (the add logs a warning) */
  quorumRaisedFrom?: number
}

/**
 * The write quorum of a d+p add from cluster.ec_write_quorum: 0 means d+1 (the stripe still
 * survives one more loss), a value below d+1 is raised to d+1 (a stripe of d shards has no
 * margin left: the next loss would make it unreadable), a value above d+p means every shard.
 */
export function writeQuorum (configured: number, d: number, p: number): { quorum: number, raised: boolean } {
  if (configured <= 0) return { quorum: d + 1, raised: false }
  if (configured < d + 1) return { quorum: d + 1, raised: true }
  return { quorum: Math.min(configured, d + p), raised: false }
}

/**
 * Shards a stripe of n data shards (n < d only for the last one) must have stored: the same
 * margin over what reading it takes (n) as the quorum gives a full stripe (quorum - d).
 */
export function stripeQuorum (quorum: number, d: number, p: number, n: number): number {
  return Math.min(n + p, n + quorum - d)
}

/** Copies a plain copy set (tree blocks, replicas of a small input) must have stored. */
export function copyQuorum (quorum: number, d: number, p: number): number {
  // the margin of the stripes: a stripe with quorum shards survives quorum - d more losses,
  // p+1 copies survive p: so quorum - d + 1 copies, at least two
  return Math.min(p + 1, Math.max(2, quorum - d + 1))
}

/** Validates an erasure add and resolves its sizes and peers; throws 400-class errors. */
export function planErasureAdd (ctx: ErasureContext, params: AddParams): ErasureAddPlan {
  if (params.format === 'car') throw new InvalidArgumentError('--format car cannot be combined with --erasure: add the files themselves (unixfs) to erasure-code them')
  if (params.no_pin) throw new InvalidArgumentError('--no-pin cannot be combined with --erasure: erasure-coded shards only exist as cluster pins')
  if (params.nocopy) throw new InvalidArgumentError('--nocopy cannot be combined with --erasure: shards must be stored as blocks')
  if (params.shard) throw new InvalidArgumentError('--shard cannot be combined with --erasure: choose one way of splitting the content')
  const d = params.data_shards
  const p = params.parity_shards
  validateShardCounts(d, p)
  const spec = parseChunkerSpec(params.chunker)
  const chunkSize = spec.kind === 'size' ? spec.size : spec.max
  const maxShardSize = ctx.config.ec_max_shard_size
  if (!Number.isSafeInteger(params.ec_shard_size) || params.ec_shard_size < 0) {
    throw new InvalidArgumentError(`shard size must be a non-negative integer (got ${params.ec_shard_size}): set shard-size between ${chunkSize} and ${maxShardSize}, or 0 for the default`)
  }
  const auto = params.ec_shard_size === 0
  const { shardSize } = chooseShardSize({
    // without the input size, size the default as if the file filled one stripe of default shards
    fileSize: auto ? d * DEFAULT_EC_SHARD_SIZE : 0,
    d,
    p,
    chunkSize,
    maxShardSize,
    requested: auto ? undefined : params.ec_shard_size
  })
  const ranking = ctx.ranking()
  if (ranking.length < d + p) throw new NotEnoughLivePeersError(d, p, ranking.length)
  const configured = ctx.config.ec_write_quorum ?? 0
  const q = writeQuorum(configured, d, p)
  return {
    writeQuorum: q.quorum,
    ...(q.raised ? { quorumRaisedFrom: configured } : {}),
    d,
    p,
    chunkSize,
    shardSize,
    parityBlockSize: Math.min(chunkSize, MAX_BLOCK_BYTES),
    ranking,
    // only raw leaves are coded: every leaf must be one
    params: { ...params, raw_leaves: true, raw_leaves_set: true }
  }
}
