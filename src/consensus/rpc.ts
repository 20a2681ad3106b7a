// The consensus over peer RPC: the methods a peer serves to others catching up on its deltas,
// and the DeltaFetcher that calls them. Deltas are what a peer already broadcast: any cluster
// member may read them (upstream serves them over bitswap); trust decides whose deltas are
// merged, not who may read them.
import { ClusterError } from '../api/errors.js'
import type { RpcClient } from '../rpc/client.js'
import type { RpcServer } from '../rpc/server.js'
import type { CrdtConsensus } from './consensus.js'
import type { DeltaFetcher } from './interfaces.js'

/** A block of a branch on the wire. */
interface WireBlock {
  c: string
  b: Uint8Array
}

export function registerConsensusRpc (server: RpcServer, consensus: CrdtConsensus): void {
  server.register('Consensus', 'GetDeltaBranch', {
    policy: 'open',
    kind: 'stream',
    handler: async function * (arg: { roots?: unknown, max?: unknown }, ctx) {
      const roots = Array.isArray(arg?.roots) ? arg.roots.map(String) : []
      const max = typeof arg?.max === 'number' && arg.max > 0 ? arg.max : 1
      if (roots.length === 0) throw new ClusterError('GetDeltaBranch needs roots', 400)
      for await (const { cid, bytes } of consensus.deltaBranch(roots, max, { signal: ctx.signal })) {
        const item: WireBlock = { c: cid, b: bytes }
        yield item
      }
    }
  })
}

/** Fetches deltas with Consensus.GetDelta (one) and Consensus.GetDeltaBranch (many per request). */
export function rpcDeltaFetcher (client: RpcClient): DeltaFetcher {
  return {
    fetch: async (cid, from, opts) => await client.call<Uint8Array>(from, 'Consensus', 'GetDelta', cid, opts),
    fetchBranch: async function * (roots, from, opts) {
      for await (const item of client.stream<WireBlock>(from, 'Consensus', 'GetDeltaBranch', { roots, max: opts.max }, { signal: opts.signal })) {
        if (typeof item?.c !== 'string' || !(item.b instanceof Uint8Array)) throw new Error('GetDeltaBranch: malformed block')
        yield { cid: item.c, bytes: item.b }
      }
    }
  }
}
