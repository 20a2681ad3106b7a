// Whole-pinset status between peers in batches: PinTracker.StatusAll sends one RPC frame per
// entry, and at a million pins the frames (CBOR, muxer, encryption, once each) cost more than
// the statuses. PinTracker.StatusAllBatch sends up to STATUS_BATCH entries per frame; peers
// without it are asked with StatusAll.
import type { PinInfo } from '../api/types.js'
import type { StatelessPinTracker } from '../pintracker/tracker.js'
import type { RpcClient } from '../rpc/client.js'
import type { RpcServer } from '../rpc/server.js'
import type { RemotePeers, Signalled } from './components.js'

export const STATUS_BATCH = 256

export function registerStatusRpc (server: RpcServer, tracker: StatelessPinTracker): void {
  server.register('PinTracker', 'StatusAllBatch', {
    policy: 'trusted',
    kind: 'stream',
    handler: async function * (filter: number, ctx) {
      let batch: PinInfo[] = []
      for await (const info of tracker.statusAll(Number(filter) || 0, { signal: ctx.signal })) {
        batch.push(info)
        if (batch.length >= STATUS_BATCH) {
          yield batch
          batch = []
        }
      }
      if (batch.length > 0) yield batch
    }
  })
}

/** `remote` whose statusAll asks for batches (and falls back to StatusAll on older peers). */
export function withBatchedStatus<T extends RemotePeers> (remote: T, client: RpcClient): T {
  const wrapped = Object.create(remote) as T
  wrapped.statusAll = async function * (peer: string, filter: number, opts?: Signalled): AsyncIterable<PinInfo> {
    let first = true
    try {
      for await (const batch of client.stream<PinInfo[]>(peer, 'PinTracker', 'StatusAllBatch', filter, opts)) {
        first = false
        for (const info of batch) yield info
      }
    } catch (err: any) {
      // an older peer: "rpc: can't find method", answered before any entry
      if (!first || !String(err?.message ?? '').includes("can't find method")) throw err
      yield * remote.statusAll(peer, filter, opts)
    }
  }
  return wrapped
}
