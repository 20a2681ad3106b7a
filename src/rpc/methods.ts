// The RPC methods a peer serves (a subset of upstream's catalogue, rpc_api.go), with upstream's
// policies: what other peers may ask of this one.
import type { Cluster } from '../cluster/cluster.js'
import type { StatelessPinTracker } from '../pintracker/tracker.js'
import type { IpfsBlock, IpfsConnector } from '../ipfs/connector.js'
import type { CrdtConsensus } from '../consensus/consensus.js'
import type { RpcServer } from './server.js'
import { ClusterError } from '../api/errors.js'
import { localBlocks } from '../ipfs/local-blocks.js'
import { verifyBlock } from '../erasure/blocks.js'
import { CID } from 'multiformats/cid'
import { isUint8ArrayList } from 'uint8arraylist'

export interface RpcTargets {
  cluster: Cluster
  /** addresses of the peers this one is connected to (peer exchange) */
  knownPeers: () => Promise<string[]>
  tracker: StatelessPinTracker
  ipfs: IpfsConnector
  consensus: CrdtConsensus
}

/** Blocks from another peer, each checked against its CID before it is stored. */
async function * verified (items: AsyncIterable<IpfsBlock>): AsyncGenerator<IpfsBlock> {
  for await (const b of items) {
    let cid: CID
    try {
      cid = CID.parse(String(b?.cid))
    } catch {
      throw new ClusterError(`BlockStream: invalid CID ${String(b?.cid)}`, 400)
    }
    if (!(b.bytes instanceof Uint8Array || isUint8ArrayList(b.bytes)) || !(await verifyBlock(cid, b.bytes))) throw new ClusterError(`BlockStream: block ${b.cid} does not match its CID`, 400)
    yield b
  }
}

export function registerClusterRpc (server: RpcServer, t: RpcTargets): void {
  server.register('Cluster', 'ID', { policy: 'open', kind: 'unary', handler: async (_a, ctx) => await t.cluster.id({ signal: ctx.signal }) })
  server.register('Cluster', 'Peers', { policy: 'trusted', kind: 'unary', handler: async () => t.cluster.peerset() })
  server.register('Cluster', 'KnownPeers', { policy: 'trusted', kind: 'unary', handler: async () => await t.knownPeers() })
  server.register('Cluster', 'RepoGCLocal', { policy: 'trusted', kind: 'unary', handler: async (_a, ctx) => await t.cluster.repoGCLocal({ signal: ctx.signal }) })
  server.register('Cluster', 'RecoverAllLocal', { policy: 'trusted', kind: 'stream', handler: (_a, ctx) => t.tracker.recoverAll({ signal: ctx.signal }) })

  server.register('PinTracker', 'Status', { policy: 'trusted', kind: 'unary', handler: async (cid: string, ctx) => await t.tracker.status(cid, { signal: ctx.signal }) })
  server.register('PinTracker', 'StatusAll', { policy: 'trusted', kind: 'stream', handler: (filter: number, ctx) => t.tracker.statusAll(filter, { signal: ctx.signal }) })
  server.register('PinTracker', 'Recover', { policy: 'trusted', kind: 'unary', handler: async (cid: string, ctx) => await t.tracker.recover(cid, { signal: ctx.signal }) })

  server.register('IPFSConnector', 'BlockStream', {
    policy: 'trusted',
    kind: 'sink',
    handler: async (_a, items: AsyncIterable<IpfsBlock>, ctx) => { await t.ipfs.blockStream(verified(items), { signal: ctx.signal }); return null }
  })
  // a whole shard in one call: the blocks in order, read ahead off the holder's disk; a block
  // the holder lacks ends the stream with null (the shard is lost there)
  server.register('IPFSConnector', 'BlocksGetLocal', {
    policy: 'trusted',
    kind: 'stream',
    handler: async function * (cids: string[], ctx) {
      if (!Array.isArray(cids)) throw new ClusterError('BlocksGetLocal takes a list of CIDs', 400)
      for await (const b of localBlocks(t.ipfs, cids.map(String), { signal: ctx.signal })) yield b ?? null
    }
  })
  server.register('IPFSConnector', 'BlockGet', { policy: 'trusted', kind: 'unary', handler: async (cid: string, ctx) => await t.ipfs.blockGet(cid, { signal: ctx.signal }) })
  // EC loss checks: a holder says which shard blocks it lacks without fetching them, so a lost
  // block is found at once instead of after a bitswap timeout
  server.register('IPFSConnector', 'MissingBlocks', {
    policy: 'trusted',
    kind: 'unary',
    handler: async (cids: string[], ctx) => {
      const missing: string[] = []
      for (const cid of Array.isArray(cids) ? cids : []) {
        if ((await t.ipfs.blockStat(String(cid), { signal: ctx.signal })) === undefined) missing.push(String(cid))
      }
      return missing
    }
  })
  server.register('IPFSConnector', 'SwarmPeers', { policy: 'trusted', kind: 'unary', handler: async (_a, ctx) => await t.ipfs.swarmPeers({ signal: ctx.signal }) })

  // Deltas are what a peer already broadcast: any cluster member may read them (upstream serves
  // them over bitswap). Trust decides whose deltas are merged, not who may read them.
  server.register('Consensus', 'GetDelta', {
    policy: 'open',
    kind: 'unary',
    handler: async (cid: string) => {
      const block = await t.consensus.getDelta(cid)
      if (block == null) throw new ClusterError(`delta ${cid} not found`, 404)
      return block
    }
  })
}
