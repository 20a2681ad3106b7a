// The core's view of other peers (RemotePeers) over peer RPC.
import type { ID, IPFSRepoGC, PinInfo } from '../api/types.js'
import type { IpfsBlock } from '../ipfs/connector.js'
import type { RemotePeers, Signalled } from '../cluster/components.js'
import type { RpcClient } from './client.js'
import type { Uint8ArrayList } from 'uint8arraylist'

export class RemoteCluster implements RemotePeers {
  private readonly rpc: RpcClient

  constructor (rpc: RpcClient) {
    this.rpc = rpc
  }

  async id (peer: string, opts?: Signalled): Promise<ID> {
    return await this.rpc.call(peer, 'Cluster', 'ID', null, opts)
  }

  async peers (peer: string, opts?: Signalled): Promise<string[]> {
    return await this.rpc.call(peer, 'Cluster', 'Peers', null, opts)
  }

  async knownPeers (peer: string, opts?: Signalled): Promise<string[]> {
    return await this.rpc.call(peer, 'Cluster', 'KnownPeers', null, opts)
  }

  async status (peer: string, cid: string, opts?: Signalled): Promise<PinInfo> {
    return await this.rpc.call(peer, 'PinTracker', 'Status', cid, opts)
  }

  statusAll (peer: string, filter: number, opts?: Signalled): AsyncIterable<PinInfo> {
    return this.rpc.stream(peer, 'PinTracker', 'StatusAll', filter, opts)
  }

  async recover (peer: string, cid: string, opts?: Signalled): Promise<PinInfo> {
    return await this.rpc.call(peer, 'PinTracker', 'Recover', cid, opts)
  }

  recoverAll (peer: string, opts?: Signalled): AsyncIterable<PinInfo> {
    return this.rpc.stream(peer, 'Cluster', 'RecoverAllLocal', null, opts)
  }

  async repoGC (peer: string, opts?: Signalled): Promise<IPFSRepoGC[]> {
    return await this.rpc.call(peer, 'Cluster', 'RepoGCLocal', null, opts)
  }

  async blockStream (peer: string, blocks: AsyncIterable<IpfsBlock>, opts?: Signalled): Promise<void> {
    await this.rpc.sink(peer, 'IPFSConnector', 'BlockStream', null, blocks, opts)
  }

  async blockGet (peer: string, cid: string, opts?: Signalled): Promise<Uint8Array> {
    return await this.rpc.call(peer, 'IPFSConnector', 'BlockGet', cid, opts)
  }

  async * blocksGetLocal (peer: string, cids: string[], opts?: Signalled): AsyncIterable<Uint8Array | Uint8ArrayList | undefined> {
    for await (const b of this.rpc.stream<Uint8Array | Uint8ArrayList | null>(peer, 'IPFSConnector', 'BlocksGetLocal', cids, { ...opts, blockPieces: true })) yield b ?? undefined
  }

  async missingBlocks (peer: string, cids: string[], opts?: Signalled): Promise<string[]> {
    return await this.rpc.call(peer, 'IPFSConnector', 'MissingBlocks', cids, opts)
  }

  async ipfsSwarmPeers (peer: string, opts?: Signalled): Promise<string[]> {
    return await this.rpc.call(peer, 'IPFSConnector', 'SwarmPeers', null, opts)
  }

  /** A CRDT delta block from the peer that announced it. */
  async delta (peer: string, cid: string, opts?: Signalled): Promise<Uint8Array> {
    return await this.rpc.call(peer, 'Consensus', 'GetDelta', cid, opts)
  }
}
