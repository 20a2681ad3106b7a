// What the erasure-coding flows (add --erasure, ecget, ecrecovery, automatic repair) get from
// the core: the same components the core uses, plus placement. They are written against this
// context, not against the Cluster class, so they stay in their own files.
import type { Logger } from 'pino'
import type { Pin } from '../../api/types.js'
import type { Codec } from '../../erasure/codec.js'
import type { StripeReserve } from '../../erasure/stripe-reserve.js'
import type { IpfsConnector } from '../../ipfs/connector.js'
import type { ClusterConfig } from '../config.js'
import type { Consensus, Monitor, RemotePeers, Signalled, Tracker } from '../components.js'

export interface ErasureContext {
  peerId: string
  config: ClusterConfig
  ipfs: IpfsConnector
  remote: RemotePeers
  consensus: Consensus
  tracker: Tracker
  monitor: Monitor
  codec: Codec
  /** stripe buffers kept from one read (ecget, ecrecovery) for the next; none: each read makes its own */
  stripeReserve?: StripeReserve
  logger: Logger
  /** live peers (self included), sorted */
  peerset: () => string[]
  /** live peers in the allocator's order of preference (free space, load) */
  ranking: (exclude?: string[]) => string[]
  /** the tag group of a peer (allocate_by's first tag:* metric), when tags are in use */
  groupOf: (peer: string) => string | undefined
  /** validates and commits a pin with the allocations it carries (no allocation run) */
  commitPin: (pin: Pin, opts?: Signalled) => Promise<Pin>
  /** fired after bytes were stored by an add or a repair (Prometheus counters) */
  recordAdd: (bytes: number) => void
  recordRepair: (bytes: number) => void
}
