// Typed errors shared by every component. The REST layer maps them to HTTP codes; messages are
// upstream's where upstream has one, because clients and tests match on the text.

export const ERR_NOT_FOUND_MESSAGE = 'pin is not part of the pinset'

export class ClusterError extends Error {
  /** HTTP status the REST API answers with */
  readonly status: number
  constructor (message: string, status = 500) {
    super(message)
    this.name = 'ClusterError'
    this.status = status
  }
}

/** A request whose input is wrong: 400. */
export class InvalidArgumentError extends ClusterError {
  constructor (message: string) {
    super(message, 400)
    this.name = 'InvalidArgumentError'
  }
}

/** Upstream's state.ErrNotFound: 404. */
export class NotFoundError extends ClusterError {
  constructor (message = ERR_NOT_FOUND_MESSAGE) {
    super(message, 404)
    this.name = 'NotFoundError'
  }
}

export class NotEnoughPeersError extends ClusterError {
  constructor (needed: number, wanted: number, available: number) {
    super(`not enough peers to allocate CID. Needed at least: ${needed}. Wanted at most: ${wanted}. Available candidates: ${available}. See logs for more info.`, 500)
    this.name = 'NotEnoughPeersError'
  }
}

export function errorMessage (err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}

/** The HTTP status an error maps to, following upstream: ErrNotFound text → 404, else 500. */
export function statusOf (err: unknown): number {
  if (err instanceof ClusterError) return err.status
  if (errorMessage(err) === ERR_NOT_FOUND_MESSAGE) return 404
  return 500
}
