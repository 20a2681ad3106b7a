// Typed errors of the consensus component; messages are upstream's where it has one.

export const ERR_MAX_QUEUE_SIZE_REACHED = 'batching max_queue_size reached. Too many operations are waiting to be batched. Try increasing the max_queue_size or adjusting the batching options'

export class BatchQueueFullError extends Error {
  constructor () {
    super(ERR_MAX_QUEUE_SIZE_REACHED)
    this.name = 'BatchQueueFullError'
  }
}

/** A block that is not a valid delta, or whose bytes do not hash to its CID. */
export class InvalidDeltaError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'InvalidDeltaError'
  }
}

/** A delta needed to process a head could not be got from the peer that announced it. */
export class DeltaFetchError extends Error {
  readonly cid: string
  constructor (cid: string, from: string, cause: unknown) {
    super(`fetching delta ${cid} from ${from}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = 'DeltaFetchError'
    this.cid = cid
  }
}

export class ConsensusClosedError extends Error {
  constructor () {
    super('consensus component is not running')
    this.name = 'ConsensusClosedError'
  }
}

export const ERR_NO_LEADER = 'crdt consensus component does not provide a leader'
export const ERR_RM_PEER = 'crdt consensus component cannot remove peers'
