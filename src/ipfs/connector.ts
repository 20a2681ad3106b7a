import type { Uint8ArrayList } from 'uint8arraylist'
// The IPFS connector: everything the cluster asks of its IPFS daemon. Two implementations:
// the embedded Helia node (default) and kubo over its RPC API.
import type { IPFSID, IPFSRepoGC, IPFSRepoStat, Pin } from '../api/types.js'

export type IpfsPinType = 'recursive' | 'direct' | 'indirect'

export interface IpfsPinEntry {
  cid: string
  type: IpfsPinType
}

export interface IpfsBlock {
  cid: string
  /** a block received from another peer stays in the pieces it arrived in (rpc/frames.ts) */
  bytes: Uint8Array | Uint8ArrayList
}

export interface CallOptions {
  signal?: AbortSignal
}

export type PinTypeLookup = (cid: string) => Promise<IpfsPinType | undefined>

export interface IpfsConnector {
  start (): Promise<void>
  stop (): Promise<void>
  /** This IPFS node's peer ID and addresses; `error` is set when the node cannot answer. */
  id (opts?: CallOptions): Promise<IPFSID>
  /** Pins pin.cid with the pin's depth (max_depth -1 recursive, 0 direct). */
  pin (pin: Pin, opts?: CallOptions): Promise<void>
  /** Unpins a CID; a CID that is not pinned is not an error. */
  unpin (cid: string, opts?: CallOptions): Promise<void>
  /** Streams the node's pins of the given types. */
  pinLs (types: Array<'recursive' | 'direct'>, opts?: CallOptions): AsyncIterable<IpfsPinEntry>
  /** How cid is pinned, or undefined when it is not pinned. */
  pinLsCid (cid: string, opts?: CallOptions): Promise<IpfsPinType | undefined>
  /**
   * pinLsCid for a walk over a whole pinset (status of every pin, recover). The embedded node
   * answers each CID from its pin index; kubo would take a request per CID, so its lookup
   * lists every pin once and answers from memory.
   */
  pinTypes (opts?: CallOptions): Promise<PinTypeLookup>
  /** Stores blocks as they arrive (the adder's BlockStream). */
  blockStream (blocks: AsyncIterable<IpfsBlock>, opts?: CallOptions): Promise<void>
  blockPut (block: IpfsBlock, opts?: CallOptions): Promise<void>
  blockGet (cid: string, opts?: CallOptions): Promise<Uint8Array>
  /** A block this node holds, or undefined when it does not (no network fetch). */
  blockGetLocal (cid: string, opts?: CallOptions): Promise<Uint8Array | undefined>
  /** Size of a block held locally, or undefined when this node does not have it (no network fetch). */
  blockStat (cid: string, opts?: CallOptions): Promise<number | undefined>
  repoStat (opts?: CallOptions): Promise<IPFSRepoStat>
  repoGC (opts?: CallOptions): AsyncIterable<IPFSRepoGC>
  /** Resolves an /ipfs/, /ipns/ or /ipld/ path to the CID it ends at. */
  resolve (path: string, opts?: CallOptions): Promise<string>
  /** Peer IDs of the IPFS peers this node is connected to. */
  swarmPeers (opts?: CallOptions): Promise<string[]>
  /**
   * The node's own block removal (the IPFS proxy's block/rm on the embedded node): refused for a
   * block a pin reaches ("pinned: <how>"), an error when the block is not here.
   */
  blockRm? (cid: string, opts?: CallOptions): Promise<void>
  /** Dials a multiaddress ending in /p2p/<id>; returns the peer ID (the proxy's swarm/connect). */
  swarmConnect? (addr: string, opts?: CallOptions): Promise<string>
  /** Open connections with their remote address and direction (the proxy's swarm/peers). */
  swarmConnections? (opts?: CallOptions): Promise<SwarmConnection[]>
}

export interface SwarmConnection {
  peer: string
  addr: string
  direction: 'inbound' | 'outbound'
}
