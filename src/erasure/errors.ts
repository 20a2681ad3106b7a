// Typed errors of the erasure-coding library. Every message says what was wrong and, where the
// caller can fix it, what to change. They extend the shared ClusterError so the REST layer maps
// them to HTTP codes without knowing this component.
import { ClusterError, InvalidArgumentError } from '../api/errors.js'

/** Bad d, p, shard size, chunk size or shard lengths: the caller's input, 400. */
export class ErasureParamsError extends InvalidArgumentError {
  constructor (message: string) {
    super(message)
    this.name = 'ErasureParamsError'
  }
}

/** One codec call would need more memory than we allow ((d+p) × shard bytes). */
export class StripeTooLargeError extends InvalidArgumentError {
  readonly bytes: number
  readonly limit: number
  constructor (bytes: number, limit: number) {
    super(`erasure stripe of ${bytes} bytes ((data+parity) × shard size) exceeds the ${limit}-byte limit of one codec call: use a smaller shard size or fewer shards`)
    this.name = 'StripeTooLargeError'
    this.bytes = bytes
    this.limit = limit
  }
}

/** The Reed-Solomon engine failed (a result code, or its worker died). */
export class CodecError extends ClusterError {
  readonly code?: number
  constructor (message: string, code?: number) {
    super(message, 500)
    this.name = 'CodecError'
    this.code = code
  }
}

/** The codec was closed; calls after close() fail with this. */
export class CodecClosedError extends CodecError {
  constructor () {
    super('erasure codec is closed')
    this.name = 'CodecClosedError'
  }
}

/** A stripe lost more shards than it has parity: its data cannot be rebuilt. */
export class UnrecoverableStripeError extends ClusterError {
  readonly stripe: number
  readonly lost: ReadonlyArray<{ kind: 'data' | 'parity', index: number }>
  constructor (stripe: number, lost: ReadonlyArray<{ kind: 'data' | 'parity', index: number }>, parity: number) {
    const names = lost.map(s => `${s.kind} ${s.index}`).join(', ')
    super(`stripe ${stripe} is unrecoverable: ${lost.length} shards lost (${names}) but only ${parity} parity shards exist`, 500)
    this.name = 'UnrecoverableStripeError'
    this.stripe = stripe
    this.lost = lost
  }
}

/** Rebuilt bytes do not hash to the CID the manifest recorded: never returned to callers. */
export class CorruptShardError extends ClusterError {
  readonly stripe: number
  readonly kind: 'data' | 'parity'
  readonly index: number
  constructor (stripe: number, kind: 'data' | 'parity', index: number, detail: string) {
    super(`stripe ${stripe} ${kind} shard ${index}: ${detail}`, 500)
    this.name = 'CorruptShardError'
    this.stripe = stripe
    this.kind = kind
    this.index = index
  }
}

/** A manifest (or manifest page, or shard node) that is not what we wrote. */
export class ManifestError extends ClusterError {
  constructor (message: string) {
    super(`invalid erasure manifest: ${message}`, 500)
    this.name = 'ManifestError'
  }
}

/** The manifest would need a block larger than the limit even after paging. */
export class ManifestTooLargeError extends ClusterError {
  constructor (message: string) {
    super(message, 500)
    this.name = 'ManifestTooLargeError'
  }
}
