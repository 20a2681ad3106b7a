// The small interfaces the core depends on (upstream's Consensus, PinTracker, PeerMonitor,
// PinAllocator, and the calls it makes to other peers). Implementations live in their own
// component folders; the daemon wires them.
import type { Alert, ID, IPFSRepoGC, Metric, Pin, PinInfo } from '../api/types.js'
import type { IpfsBlock } from '../ipfs/connector.js'
import type { PinListFilter } from '../consensus/interfaces.js'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Signalled {
  signal?: AbortSignal
}

export interface Consensus {
  logPin (pin: Pin): Promise<void>
  logUnpin (pin: Pin): Promise<void>
  /** the pin, or NotFoundError */
  get (cid: string, opts?: Signalled): Promise<Pin>
  /** the pin, or undefined when the CID is not in the pinset */
  find (cid: string, opts?: Signalled): Promise<Pin | undefined>
  has (cid: string): Promise<boolean>
  /** the pinset in CID order, or the part of it `only` names */
  list (opts?: Signalled & PinListFilter): AsyncIterable<Pin>
  isTrustedPeer (peer: string): boolean
}

export interface Tracker {
  status (cid: string, opts?: Signalled): Promise<PinInfo>
  statusAll (filter: number, opts?: Signalled): AsyncIterable<PinInfo>
  recover (cid: string, opts?: Signalled): Promise<PinInfo>
  recoverAll (opts?: Signalled): AsyncIterable<PinInfo>
}

export interface Monitor {
  /** peers with a live ping metric (the peerset), self included by the caller */
  peers (): string[]
  latestMetrics (name: string): Metric[]
  latestForPeer (name: string, peer: string): Metric | undefined
  metricNames (): string[]
  alerts (): Alert[]
  /** calls the listener for every alert raised from now on; returns an unsubscribe function */
  onAlert (listener: (alert: Alert) => void): () => void
}

export interface AllocationRequest {
  cid: string
  current: string[]
  rmin: number
  rmax: number
  blacklist: string[]
  priority: string[]
}

export interface Allocator {
  /** Peers that should hold the CID, in order; [] means everywhere. */
  allocate (req: AllocationRequest, opts?: Signalled): Promise<string[]>
}

/** What the core asks of other peers (peer RPC). */
export interface RemotePeers {
  id (peer: string, opts?: Signalled): Promise<ID>
  status (peer: string, cid: string, opts?: Signalled): Promise<PinInfo>
  statusAll (peer: string, filter: number, opts?: Signalled): AsyncIterable<PinInfo>
  recover (peer: string, cid: string, opts?: Signalled): Promise<PinInfo>
  recoverAll (peer: string, opts?: Signalled): AsyncIterable<PinInfo>
  repoGC (peer: string, opts?: Signalled): Promise<IPFSRepoGC[]>
  blockStream (peer: string, blocks: AsyncIterable<IpfsBlock>, opts?: Signalled): Promise<void>
  /** one block from the peer's IPFS node (ecget and repair read shards from their holders) */
  blockGet (peer: string, cid: string, opts?: Signalled): Promise<Uint8Array>
  /**
   * Blocks the peer's IPFS node holds, in order, in one stream (a whole shard); undefined for a
   * block it lacks, which ends the stream (no network fetch). A block may come in the pieces it
   * arrived in (a Uint8ArrayList), to be hashed and copied where it goes without a join.
   */
  blocksGetLocal (peer: string, cids: string[], opts?: Signalled): AsyncIterable<Uint8Array | Uint8ArrayList | undefined>
  /** which of the CIDs the peer's IPFS node does not hold locally (no network fetch) */
  missingBlocks (peer: string, cids: string[], opts?: Signalled): Promise<string[]>
  /** the peer's cluster peers, for the connectivity graph */
  peers (peer: string, opts?: Signalled): Promise<string[]>
  ipfsSwarmPeers (peer: string, opts?: Signalled): Promise<string[]>
}
