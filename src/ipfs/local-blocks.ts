// Blocks a node holds, read in order with a few reads ahead, so a whole shard streams off the
// disk as fast as the reader takes it. Local only: a block the node lacks ends the run with
// `undefined` (the shard is lost on this node), never a network fetch.
import type { CallOptions, IpfsConnector } from './connector.js'

/** reads in flight ahead of the reader */
const READ_AHEAD = 4

export async function * localBlocks (ipfs: IpfsConnector, cids: readonly string[], opts: CallOptions = {}): AsyncGenerator<Uint8Array | undefined> {
  const reads: Array<Promise<Uint8Array | undefined>> = []
  let next = 0
  const fill = (): void => {
    while (next < cids.length && reads.length < READ_AHEAD) {
      const read = ipfs.blockGetLocal(cids[next++], opts)
      read.catch(() => {}) // awaited in order below; a read after a stop is dropped
      reads.push(read)
    }
  }
  fill()
  while (reads.length > 0) {
    const bytes = await (reads.shift() as Promise<Uint8Array | undefined>)
    yield bytes
    if (bytes === undefined) return
    fill()
  }
}
