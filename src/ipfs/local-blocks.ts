// Blocks a node holds, read in order with a few reads ahead, so a whole shard streams off the
// disk as fast as the reader takes it. Local only: a block the node lacks ends the run with
// `undefined` (the shard is lost on this node), never a network fetch.
import type { CallOptions, IpfsConnector } from './connector.js'
import { readInOrder } from '../common/read-in-order.js'

/** reads in flight ahead of the reader */
const READ_AHEAD = 4

export async function * localBlocks (ipfs: IpfsConnector, cids: readonly string[], opts: CallOptions = {}): AsyncGenerator<Uint8Array | undefined> {
  // READ_AHEAD in flight: the one awaited and the ones after it
  for await (const bytes of readInOrder(cids, async cid => await ipfs.blockGetLocal(cid, opts), READ_AHEAD - 1)) {
    yield bytes
    if (bytes === undefined) return
  }
}
