// Whole-pinset status between peers in batches: PinTracker.StatusAll sends one RPC frame per
// entry, and at a million pins the frames (CBOR, muxer, encryption, once each) cost more than
// the statuses. PinTracker.StatusAllJson sends entries in frames of up to STATUS_JSON_BATCH_CHARS
// of JSON each (one byte string: a JSON array): the CBOR of an entry (a map of eleven fields)
// took the API peer as long to decode as JSON.parse takes for ten. Peers that do not know it are
// asked with StatusAllBatch (STATUS_BATCH entries as CBOR arrays, which this version still
// serves), then with StatusAll.
import type { PinInfo } from '../api/types.js'
import type { StatelessPinTracker } from '../pintracker/tracker.js'
import type { RpcClient } from '../rpc/client.js'
import type { RpcServer } from '../rpc/server.js'
import type { RemotePeers, Signalled } from './components.js'

export const STATUS_BATCH = 256

/**
 * JSON characters per StatusAllJson frame (a soft bound: a frame ends with the entry that
 * reaches it). V8 keeps a string longer than 128 KiB in its large-object space, in pages of its
 * own that are mapped for it and unmapped after the next collection, and on these machines each
 * fresh page costs a fault of 12-15 µs. A frame of 256 entries was 135 KB or more: writing it (the
 * string JSON.stringify builds) and reading it (the string decoded for JSON.parse) cost 2-2.5 µs
 * per entry instead of 0.06-0.5 µs under the bound.
 */
export const STATUS_JSON_BATCH_CHARS = 48 * 1024

/**
 * The tracker's entries in batches: `take` turns an entry into what the batch holds and its
 * share of `limit`; a batch ends with the entry that reaches the limit.
 */
async function * batches<T> (tracker: StatelessPinTracker, filter: number, signal: AbortSignal, limit: number, take: (info: PinInfo) => [T, number]): AsyncGenerator<T[]> {
  let batch: T[] = []
  let size = 0
  for await (const info of tracker.statusAll(Number(filter) || 0, { signal })) {
    const [item, share] = take(info)
    batch.push(item)
    size += share
    if (size >= limit) {
      yield batch
      batch = []
      size = 0
    }
  }
  if (batch.length > 0) yield batch
}

export function registerStatusRpc (server: RpcServer, tracker: StatelessPinTracker): void {
  server.register('PinTracker', 'StatusAllJson', {
    policy: 'trusted',
    kind: 'stream',
    handler: async function * (filter: number, ctx) {
      const json = (info: PinInfo): [string, number] => {
        const text = JSON.stringify(info)
        return [text, text.length + 1]
      }
      for await (const batch of batches(tracker, filter, ctx.signal, STATUS_JSON_BATCH_CHARS, json)) {
        yield Buffer.from(`[${batch.join(',')}]`)
      }
    }
  })
  server.register('PinTracker', 'StatusAllBatch', {
    policy: 'trusted',
    kind: 'stream',
    handler: async function * (filter: number, ctx) {
      yield * batches(tracker, filter, ctx.signal, STATUS_BATCH, info => [info, 1])
    }
  })
}

/** The entries of one StatusAllJson item. */
function entriesOf (bytes: Uint8Array): PinInfo[] {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
}

/** An older peer's answer to a method it does not have (before any entry). */
function unknownMethod (err: any): boolean {
  return String(err?.message ?? '').includes("can't find method")
}

/** `remote` whose statusAll asks for batches (and falls back to the older methods on older peers). */
export function withBatchedStatus<T extends RemotePeers> (remote: T, client: RpcClient): T {
  const wrapped = Object.create(remote) as T
  wrapped.statusAll = async function * (peer: string, filter: number, opts?: Signalled): AsyncIterable<PinInfo> {
    let first = true
    try {
      for await (const item of client.stream<Uint8Array>(peer, 'PinTracker', 'StatusAllJson', filter, opts)) {
        first = false
        yield * entriesOf(item)
      }
      return
    } catch (err) {
      if (!first || !unknownMethod(err)) throw err
    }
    try {
      for await (const batch of client.stream<PinInfo[]>(peer, 'PinTracker', 'StatusAllBatch', filter, opts)) {
        first = false
        yield * batch
      }
    } catch (err) {
      if (!first || !unknownMethod(err)) throw err
      yield * remote.statusAll(peer, filter, opts)
    }
  }
  return wrapped
}
