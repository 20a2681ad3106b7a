// Allocation errors. Messages are upstream's where upstream has one (clients match on them).
import { ClusterError } from '../api/errors.js'

export class BadReplicationFactorsError extends ClusterError {
  constructor (rmin: number, rmax: number) {
    super(`bad replication factors: ${rmin}/${rmax}`, 500)
    this.name = 'BadReplicationFactorsError'
  }
}

/** Erasure placement cannot find enough distinct peers for a stripe. */
export class NotEnoughShardPeersError extends ClusterError {
  readonly needed: number
  readonly available: number
  constructor (message: string, needed: number, available: number) {
    super(message, 500)
    this.name = 'NotEnoughShardPeersError'
    this.needed = needed
    this.available = available
  }
}
