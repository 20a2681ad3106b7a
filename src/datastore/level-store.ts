// The level datastore every component of a peer keeps its keys in (the cluster's state and
// CRDT DAG, the embedded node's pins). It is datastore-level's with two changes, both about
// the cost of handing single keys to LevelDB's thread pool: an async LevelDB call queues work
// for a pool thread and settles a promise on its return, ~40-80 µs of main-thread time per
// call on this machine, where a point read takes ~1-8 µs. The state paths touch one key at a
// time (an OR-set merge, a pin's block marks, the tracker's state lookups), so at a million
// pins those hand-offs were a fifth of a peer's CPU and most of a follower's catch-up time.
//
// - Point reads (get, has) are synchronous: keys and LevelDB's index are in memory, table
//   blocks in the page cache.
// - Writes (put, delete, batch commits) made in the same turn of the event loop are written
//   together as one LevelDB batch (group commit), in the order they were made; each caller's
//   promise settles when that batch is written, as before. Until then, reads see the staged
//   value (a read-modify-write under a caller's lock need not wait for the disk), range queries
//   see only what is written. A batch's operations stay together in one LevelDB batch: atomic.
// - Reads of keys under a prefix given to filterReads that were never written are answered
//   from memory (a Bloom filter of the keys under it). Most of the state's point reads miss (a
//   new pin has no value, tombstone or block marks yet), and in LevelDB a read that looks in
//   two or more table files charges the first a "seek"; after 100 or so the file is compacted
//   into the next level, sought or not. At 300,000 pins those charges doubled what compactions
//   wrote, and at 600,000 compactions were half of a follower's CPU.
import { LevelDatastore } from 'datastore-level'
import type { Batch, Datastore, Key } from 'interface-datastore'
import { DeleteFailedError, GetFailedError, NotFoundError, PutFailedError } from 'interface-store'
import type { AbortOptions } from '@libp2p/interface'
import { PresenceFilter } from './presence-filter.js'

interface StagedOp {
  type: 'put' | 'del'
  key: string
  value?: Uint8Array
}

/** One group of writes: written together once the current turn of the event loop ends. */
interface WriteGroup {
  ops: StagedOp[]
  written: Promise<void>
}

export class LevelStore extends LevelDatastore {
  /** the newest staged write of each key not written yet */
  private readonly staged = new Map<string, StagedOp>()
  /** the group taking writes now; undefined until a write comes */
  private filling?: WriteGroup
  /** the last group handed to LevelDB: groups are written one after the other, in order */
  private writing: Promise<void> = Promise.resolve()
  /** every key written under these prefixes is added to `present` */
  private readonly tracked: string[] = []
  /** the tracked prefixes whose stored keys are all in `present`: reads under them use it */
  private readonly filtered: string[] = []
  private readonly present = new PresenceFilter()

  private stage (ops: StagedOp[]): Promise<void> {
    if (this.filling === undefined) {
      const group: WriteGroup = { ops: [], written: Promise.resolve() }
      group.written = this.writeAfterTurn(group, this.writing)
      this.writing = group.written
      this.filling = group
    }
    for (const op of ops) {
      this.filling.ops.push(op)
      this.staged.set(op.key, op)
      if (op.type === 'put' && this.tracked.length > 0) this.track(op.key)
    }
    return this.filling.written
  }

  /** Writes the group once the current turn ends and the group before it is written. */
  private async writeAfterTurn (group: WriteGroup, previous: Promise<void>): Promise<void> {
    await new Promise<void>(resolve => { setImmediate(resolve) })
    if (this.filling === group) this.filling = undefined
    await previous.catch(() => {})
    try {
      await this.db.batch(group.ops.map(op => op.type === 'put' ? { type: 'put', key: op.key, value: op.value! } : { type: 'del', key: op.key }))
    } finally {
      for (const op of group.ops) if (this.staged.get(op.key) === op) this.staged.delete(op.key)
    }
  }

  override async put (key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    options?.signal?.throwIfAborted()
    try {
      await this.stage([{ type: 'put', key: key.toString(), value }])
    } catch (err) {
      throw new PutFailedError(String(err))
    }
    return key
  }

  override async delete (key: Key, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    try {
      await this.stage([{ type: 'del', key: key.toString() }])
    } catch (err) {
      throw new DeleteFailedError(String(err))
    }
  }

  override batch (): Batch {
    const ops: StagedOp[] = []
    return {
      put: (key: Key, value: Uint8Array) => { ops.push({ type: 'put', key: key.toString(), value }) },
      delete: (key: Key) => { ops.push({ type: 'del', key: key.toString() }) },
      commit: async (options?: AbortOptions) => {
        options?.signal?.throwIfAborted()
        await this.stage(ops)
      }
    }
  }

  private track (key: string): void {
    for (const prefix of this.tracked) {
      if (key.startsWith(prefix)) {
        this.present.add(key)
        return
      }
    }
  }

  /** Whether a read of the key can be answered "absent" without LevelDB. */
  private neverWritten (key: string): boolean {
    for (const prefix of this.filtered) {
      if (key.startsWith(prefix)) return !this.present.mightContain(key)
    }
    return false
  }

  /**
   * Reads of keys under `prefix` that were never written are answered without LevelDB once the
   * keys stored under it are listed (in the background of the caller: reads meanwhile go to
   * LevelDB). For key spaces that reads mostly miss; the filter takes 2-4 bytes per key.
   */
  async filterReads (prefix: string, opts: AbortOptions = {}): Promise<void> {
    if (this.tracked.includes(prefix)) return
    this.tracked.push(prefix)
    try {
      // the iterator reads a snapshot of what LevelDB holds now; writes staged but not yet in
      // LevelDB are added from the staged map, and those staged from now on as they come
      const it = this.db.iterator({ gte: prefix, lt: prefix + '\xFF', keys: true, values: false, keyEncoding: 'utf8' })
      for (const [k, op] of this.staged) if (op.type === 'put' && k.startsWith(prefix)) this.present.add(k)
      try {
        while (true) {
          opts.signal?.throwIfAborted()
          const entries = await it.nextv(RANGE_BATCH) as Array<[string, unknown]>
          if (entries.length === 0) break
          for (const [k] of entries) this.present.add(k)
        }
      } finally {
        await it.close()
      }
      this.filtered.push(prefix)
    } catch (err) {
      this.tracked.splice(this.tracked.indexOf(prefix), 1)
      throw err
    }
  }

  /** The staged or stored value of a key; undefined when absent or deleted (no NotFoundError). */
  find (key: Key): Uint8Array | undefined {
    const k = key.toString()
    const op = this.staged.get(k)
    if (op !== undefined) return op.value
    if (this.filtered.length > 0 && this.neverWritten(k)) return undefined
    try {
      return this.db.getSync(k) ?? undefined
    } catch (err) {
      throw new GetFailedError(String(err))
    }
  }

  override async get (key: Key, options?: AbortOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    const data = this.find(key)
    if (data === undefined) throw new NotFoundError()
    return data
  }

  override async has (key: Key, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    return this.find(key) !== undefined
  }

  override async close (): Promise<void> {
    await this.writing.catch(() => {})
    await super.close()
  }
}

/**
 * The value under a key, or undefined when it is absent. Most state reads miss (a new pin, a
 * block no pin reaches yet): a LevelStore answers without the NotFoundError a get() builds (a
 * stack trace per absent key); any other datastore through get().
 */
export async function findValue (ds: Datastore, key: Key): Promise<Uint8Array | undefined> {
  if (ds instanceof LevelStore) return ds.find(key)
  try {
    return await ds.get(key)
  } catch (err: any) {
    if (err?.name === 'NotFoundError') return undefined
    throw err
  }
}

/** entries a range read takes from LevelDB per call */
const RANGE_BATCH = 1000

/**
 * The entries under a key prefix, in key order, in batches. From a LevelStore, one LevelDB
 * call per RANGE_BATCH entries: a query gives each entry its own promise, Key object and three
 * async generators, which cost more than the entry itself in walks of a million pins (pin ls,
 * status, the tracker's and the cluster's walks). Like a query, it sees only written entries.
 */
export async function * rangeOf (ds: Datastore, prefix: string, opts: AbortOptions = {}): AsyncGenerator<Array<[string, Uint8Array]>> {
  if (!(ds instanceof LevelStore)) {
    let batch: Array<[string, Uint8Array]> = []
    for await (const { key, value } of ds.query({ prefix }, opts)) {
      batch.push([key.toString(), value])
      if (batch.length >= RANGE_BATCH) {
        yield batch
        batch = []
      }
    }
    if (batch.length > 0) yield batch
    return
  }
  const it = ds.db.iterator({ gte: prefix, lt: prefix + '\xFF', keyEncoding: 'utf8', valueEncoding: 'view' })
  try {
    while (true) {
      opts.signal?.throwIfAborted()
      const batch = await it.nextv(RANGE_BATCH) as Array<[string, Uint8Array]>
      if (batch.length === 0) return
      yield batch
    }
  } finally {
    await it.close()
  }
}
