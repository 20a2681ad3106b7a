// The embedded node's pins and the garbage-collection roots they make. Helia 7's own pin index
// miscounts blocks that appear twice in a DAG or under two pins (its rm keeps the wrong
// "pinned by" entries), which would let GC delete blocks a pin still needs; so the node keeps
// its own index: for every block, the set of pins whose DAG reaches it.
//   /cluster-pins/p/<cidv1>    → {cid: the pinned CID as given, depth}
//   /cluster-pins/b/<mh b32>   → CBOR list of the CIDs (bytes) of the pins that reach the block
import { Key } from 'interface-datastore'
import { rangeOf } from '../../datastore/level-store.js'
import type { LevelStore } from '../../datastore/level-store.js'
import { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'
import * as dagPb from '@ipld/dag-pb'
import * as dagCbor from '@ipld/dag-cbor'
import { encode, decode } from 'cborg'
import { equals } from 'uint8arrays/equals'

const PIN_PREFIX = '/cluster-pins/p/'
const BLOCK_PREFIX = '/cluster-pins/b/'
const FETCH_CONCURRENCY = 16
/** block marks per LevelDB batch (a pin of a large DAG is marked in several) */
const MARK_BATCH = 4096

export interface StoredPin {
  cid: string
  /** Infinity = recursive, 0 = direct, n = n levels below the root */
  depth: number
}

export interface WalkOptions {
  signal?: AbortSignal
  progress?: () => void
  /** only blocks held locally (unpinning must not fetch from the network) */
  offline?: boolean
}

export interface BlockSource {
  /** the block's bytes; fetched from peers unless opts.offline */
  get (cid: CID, opts: WalkOptions): Promise<Uint8Array>
  /** whether the block is stored locally */
  has (cid: CID): Promise<boolean>
  /**
   * The first `bytes` bytes of a block stored locally and its whole size, without reading the
   * rest; undefined when it is not stored here (or cannot be read so: the walk then gets it).
   */
  head?: (cid: CID, bytes: number) => { head: Uint8Array, size: number } | undefined
}

/** a dag-pb block's first field key and the longest length varint of a block (10 bytes) */
const DAG_PB_HEAD_BYTES = 11
/** protobuf key of PBNode.Data: field 1, wire type 2 */
const DAG_PB_DATA_KEY = 0x0a

/**
 * Whether a dag-pb block of `size` bytes that starts with `head` is one Data field and nothing
 * else: a node without links (every UnixFS leaf of a CIDv0 add). Its links, when it has any,
 * come before or after that field, so a Data field that ends exactly at the end of the block
 * leaves no room for one; anything else (links first, a head cut short) is read in full.
 */
export function isDataOnlyDagPb (head: Uint8Array, size: number): boolean {
  if (size === 0) return true
  if (head[0] !== DAG_PB_DATA_KEY) return false
  let length = 0
  for (let i = 1, shift = 0; i < head.length && shift < 64; i++, shift += 7) {
    length += (head[i] & 0x7f) * 2 ** shift
    if (head[i] < 0x80) return i + 1 + length === size
  }
  return false
}

/** a CIDv1 in base32, as the cluster's state writes CIDs: already the key's form */
const BASE32_CIDV1 = /^b[a-z2-7]+$/

function pinKey (cid: CID | string): Key {
  // the status of a whole pinset looks up every pin: no parse and re-encode for those
  if (typeof cid === 'string') return BASE32_CIDV1.test(cid) ? new Key(PIN_PREFIX + cid) : pinKey(CID.parse(cid))
  return new Key(PIN_PREFIX + cid.toV1().toString(base32))
}

/** "depth" as a CBOR map key: a text string (0x60 + length) of 5 bytes */
const DEPTH_KEY = new Uint8Array([0x65, ...new TextEncoder().encode('depth')])
const CBOR_NULL = 0xf6
/** CBOR unsigned integers up to 23 are one byte */
const CBOR_SMALL_INT_MAX = 0x17

function decodeRecord (bytes: Uint8Array): StoredPin {
  const v = decode(bytes) as { cid: string, depth: number | null }
  return { cid: v.cid, depth: v.depth == null ? Infinity : v.depth }
}

function blockKey (cid: CID): Key {
  return new Key(BLOCK_PREFIX + base32.encode(cid.multihash.bytes))
}

/** Links of a block, for the codecs a cluster stores (dag-pb, raw, dag-cbor). */
export function linksOf (cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === dagPb.code) return dagPb.decode(bytes).Links.map(l => l.Hash)
  if (cid.code === dagCbor.code) {
    const out: CID[] = []
    const walk = (v: unknown): void => {
      const c = CID.asCID(v)
      if (c != null) out.push(c)
      else if (Array.isArray(v)) v.forEach(walk)
      else if (v != null && typeof v === 'object' && !(v instanceof Uint8Array)) Object.values(v).forEach(walk)
    }
    walk(dagCbor.decode(bytes))
    return out
  }
  return []
}

export class Pinset {
  /** a LevelStore: its reads see a write as soon as it is made (see mark) */
  private readonly ds: LevelStore
  private readonly blocks: BlockSource
  /** read-modify-write of block entries is serialised: concurrent pins share blocks */
  private chain: Promise<void> = Promise.resolve()

  constructor (datastore: LevelStore, blocks: BlockSource) {
    this.ds = datastore
    this.blocks = blocks
  }

  private async locked<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn)
    this.chain = run.then(() => {}, () => {})
    return await run
  }

  /**
   * The depth a CID is pinned at; undefined when it is not pinned (the depth is all a pin's
   * record is read for). The status of a whole pinset asks it for every pin, and decoding each
   * record was a tenth of the status's CPU: a record is the CBOR map {cid, depth}, whose last
   * key is "depth", so a depth of null (recursive) or 0-23 is its last byte.
   */
  async depthOf (cid: CID | string): Promise<number | undefined> {
    const bytes = this.ds.find(pinKey(cid))
    if (bytes === undefined) return undefined
    const at = bytes.length - 1 - DEPTH_KEY.length
    if (at > 0 && equals(bytes.subarray(at, at + DEPTH_KEY.length), DEPTH_KEY)) {
      const last = bytes[bytes.length - 1]
      if (last === CBOR_NULL) return Infinity
      if (last <= CBOR_SMALL_INT_MAX) return last
    }
    return decodeRecord(bytes).depth
  }

  /**
   * Reads of pins and block marks never stored skip LevelDB (LevelStore.filterReads): a new pin
   * looks up both, and finds neither. Resolves once the stored ones are listed.
   */
  async filterReads (opts: { signal?: AbortSignal } = {}): Promise<void> {
    await this.ds.filterReads(PIN_PREFIX, opts)
    await this.ds.filterReads(BLOCK_PREFIX, opts)
  }

  async * list (opts: { signal?: AbortSignal } = {}): AsyncIterable<StoredPin> {
    for await (const batch of rangeOf(this.ds, PIN_PREFIX, opts)) {
      for (const [, value] of batch) yield decodeRecord(value)
    }
  }

  async isPinned (cid: CID): Promise<boolean> {
    return await this.ds.has(blockKey(cid))
  }

  /**
   * Walks the DAG down to `depth`, fetching missing blocks (from peers, through the block
   * source), then marks every block as reached by this pin and records the pin in one LevelDB
   * batch (atomic: never a pin without its marks). Calls progress for each block so a stalled
   * fetch can be told apart from a long one. The caller holds off garbage collection for the
   * whole call, so blocks are marked after the walk: a walk that fails has marked nothing, and
   * a pin of a block already here waits for one write, not one per block and one for the pin
   * (at a million pins, on a busy peer, those waits set the tracker's pace). Re-pinning at
   * another depth keeps the blocks both depths reach marked the whole time.
   */
  async add (cid: CID, depth: number, opts: { signal?: AbortSignal, progress?: () => void } = {}): Promise<void> {
    const existing = await this.depthOf(cid)
    const blocks: CID[] = []
    const reached = await this.walk(cid, depth, opts, async block => { blocks.push(block) })
    const record = { key: pinKey(cid), value: encode({ cid: cid.toString(), depth: Number.isFinite(depth) ? depth : null }) }
    await this.markAll(blocks, cid, true, record)
    if (existing !== undefined && existing > depth) {
      // the pin got shallower: blocks only the old depth reached are released
      const released: CID[] = []
      await this.walk(cid, existing, { ...opts, offline: true }, async block => {
        if (!reached.has(base32.encode(block.multihash.bytes))) released.push(block)
      })
      await this.markAll(released, cid, false)
    }
  }

  /** Removes the pin and its marks; blocks no pin reaches become garbage. */
  async rm (cid: CID, opts: { signal?: AbortSignal, progress?: () => void } = {}): Promise<void> {
    const depth = await this.depthOf(cid)
    if (depth === undefined) return
    await this.ds.delete(pinKey(cid))
    const blocks: CID[] = []
    await this.walk(cid, depth, { ...opts, offline: true }, async block => { blocks.push(block) })
    await this.markAll(blocks, cid, false)
  }

  /**
   * Adds the pin to (or removes it from) the set of every block, MARK_BATCH blocks per LevelDB
   * batch; `record` (the pin itself) goes in the last batch, after every mark it needs.
   */
  private async markAll (blocks: CID[], pin: CID, add: boolean, record?: { key: Key, value: Uint8Array }): Promise<void> {
    for (let i = 0; i === 0 || i < blocks.length; i += MARK_BATCH) {
      const last = i + MARK_BATCH >= blocks.length
      // The lock covers the reads and the staging of the batch (the datastore's reads see
      // staged writes at once), not the wait for the disk: concurrent pins' batches are
      // written together.
      const written = await this.locked(async () => {
        const batch = this.ds.batch()
        let writes = 0
        for (const block of blocks.slice(i, i + MARK_BATCH)) {
          const key = blockKey(block)
          const stored = this.ds.find(key)
          let by = stored === undefined ? [] : decode(stored) as Uint8Array[]
          const present = by.some(b => equals(b, pin.bytes))
          if (add && !present) by.push(pin.bytes)
          else if (!add && present) by = by.filter(b => !equals(b, pin.bytes))
          else continue
          if (by.length === 0) batch.delete(key)
          else batch.put(key, encode(by))
          writes++
        }
        if (last && record !== undefined) {
          batch.put(record.key, record.value)
          writes++
        }
        return { done: writes > 0 ? batch.commit() : Promise.resolve() }
      })
      await written.done
    }
  }

  /**
   * Whether the block is a dag-pb node without links stored here, told from its first bytes:
   * a walk then needs nothing more of it. Pinning or unpinning a CIDv0 file otherwise read
   * every leaf whole (a 1 GiB file: 1 GiB read back from disk) only to find no links in it.
   */
  private storedLeaf (cid: CID): boolean {
    if (cid.code !== dagPb.code || this.blocks.head === undefined) return false
    const stored = this.blocks.head(cid, DAG_PB_HEAD_BYTES)
    return stored !== undefined && isDataOnlyDagPb(stored.head, stored.size)
  }

  /** Visits each block of the DAG once (a block repeated in the DAG is marked once). */
  private async walk (root: CID, depth: number, opts: WalkOptions, visit: (cid: CID) => Promise<void>): Promise<Set<string>> {
    const seen = new Set<string>()
    let level: CID[] = [root]
    for (let d = 0; level.length > 0; d++) {
      const next: CID[] = []
      const todo = level.filter(c => {
        const k = base32.encode(c.multihash.bytes)
        if (seen.has(k)) return false
        seen.add(k)
        return true
      })
      for (let i = 0; i < todo.length; i += FETCH_CONCURRENCY) {
        await Promise.all(todo.slice(i, i + FETCH_CONCURRENCY).map(async c => {
          opts.signal?.throwIfAborted()
          await visit(c)
          const mayLink = d < depth && (c.code === dagPb.code || c.code === dagCbor.code)
          if (mayLink && this.storedLeaf(c)) {
            // stored here (its head was just read) and nothing below it
          } else if (mayLink) {
            let bytes: Uint8Array
            try {
              bytes = await this.blocks.get(c, opts)
            } catch (err) {
              if (opts.offline === true) return // unpinning: a missing block has nothing below to unmark
              throw err
            }
            next.push(...linksOf(c, bytes))
          } else if (opts.offline !== true && !(await this.blocks.has(c))) {
            // a pin needs every block it reaches, leaves included: fetch the missing ones
            await this.blocks.get(c, opts)
          }
          opts.progress?.()
        }))
      }
      level = next
    }
    return seen
  }
}
