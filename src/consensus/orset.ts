// The add-wins observed-remove set with priorities (go-ds-crdt's set.go semantics). A key is
// present while it has an element that no tombstone covers; its visible value is the one of
// the live element with the highest priority, ties broken by the bytewise greater value.
// The visible value is recomputed from the live elements of each key a delta touches, so the
// result depends only on which deltas were merged, never on their order: replicas converge.
//
// An element is stored as its priority only: its value is the visible value while it wins, and
// is in its delta's block (kept in the DAG) otherwise. Storing the value twice (as element and
// as visible value) was a third of what a peer wrote per pin, and at a million pins LevelDB's
// compactions, which rewrite every byte several times, were half of a follower's CPU. The
// block is read only when the winning element is tombstoned and another stays live (a
// concurrent update, then an unpin that saw one of them). Elements written with their value
// (stores of earlier versions) are read as they are.
import * as dagCbor from '@ipld/dag-cbor'
import type { Batch, Datastore } from 'interface-datastore'
import { compareBytes, decodeDelta, equalBytes } from './delta.js'
import type { Delta } from './delta.js'
import { CrdtKeys } from './keys.js'
import { findValue, LevelStore, rangeOf } from '../datastore/level-store.js'

/** A change of a key's visible value; value undefined = the key left the set. */
export interface Change {
  key: string
  value: Uint8Array | undefined
  previous: Uint8Array | undefined
}

/** What is stored about a key: its live elements [id, element] and its visible value. */
export interface KeyState {
  stored: Array<[string, LiveElement]>
  current: Uint8Array | undefined
}

interface LiveElement {
  priority: number
  /** only in elements stored by earlier versions; else it is in the delta block */
  value?: Uint8Array
}

/** A candidate for a key's visible value. */
interface Candidate {
  priority: number
  value: Uint8Array
}

const EMPTY = new Uint8Array(0)
/** keys of a delta whose stored state is read at once while merging it */
export const MERGE_READ_CONCURRENCY = 256

export class ORSet {
  private readonly ds: Datastore
  private readonly keys: CrdtKeys

  constructor (ds: Datastore, keys: CrdtKeys) {
    this.ds = ds
    this.keys = keys
  }

  /**
   * Reads of values and tombstones never stored skip LevelDB (LevelStore.filterReads): merging
   * a new key looks up both, and finds neither. Resolves once the stored ones are listed.
   */
  async filterReads (opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (!(this.ds instanceof LevelStore)) return
    await this.ds.filterReads(this.keys.valuePrefix(), opts)
    await this.ds.filterReads(this.keys.tombstonePrefix(), opts)
  }

  async get (key: string): Promise<Uint8Array | undefined> {
    return await findValue(this.ds, this.keys.value(key))
  }

  async has (key: string): Promise<boolean> {
    return await this.ds.has(this.keys.value(key))
  }

  async * entries (opts: { signal?: AbortSignal } = {}): AsyncGenerator<{ key: string, value: Uint8Array }> {
    const prefix = this.keys.valuePrefix()
    for await (const batch of rangeOf(this.ds, prefix, opts)) {
      for (const [key, value] of batch) yield { key: key.slice(prefix.length), value }
    }
  }

  /**
   * The stored state of keys (live elements and visible value), read together: what a local
   * commit reads once to build its tombstones and hands to merge.
   */
  async readKeys (keys: string[]): Promise<Map<string, KeyState>> {
    const out = new Map<string, KeyState>()
    for (let i = 0; i < keys.length; i += MERGE_READ_CONCURRENCY) {
      await Promise.all(keys.slice(i, i + MERGE_READ_CONCURRENCY).map(async key => {
        out.set(key, await this.readKey(key))
      }))
    }
    return out
  }

  /**
   * Stages in `batch` the merge of a delta whose id (its CID) is `id`, and returns the changes
   * of visible values it makes once committed. Reads only committed data, so the caller may
   * add its own writes (block, heads) to the batch and commit all at once. Idempotent:
   * merging a delta again changes nothing.
   * `known`: the keys' stored state when the caller just read it (a local delta); its id is
   * new then, so no tombstone can cover its elements yet.
   */
  async merge (delta: Delta, id: string, batch: Batch, known?: Map<string, KeyState>): Promise<Change[]> {
    const tombed = new Map<string, Set<string>>()
    for (const t of delta.tombstones) {
      batch.put(this.keys.tombstone(t.key, t.id), EMPTY)
      // a tombstoned element can never be visible again: drop it, keep the tombstone
      batch.delete(this.keys.element(t.key, t.id))
      let s = tombed.get(t.key)
      if (s == null) tombed.set(t.key, s = new Set())
      s.add(t.id)
    }

    // several elements of one key in a delta share its id: keep the greatest value
    const added = new Map<string, Uint8Array>()
    for (const e of delta.elements) {
      if (compareBytes(e.value, added.get(e.key)) > 0) added.set(e.key, e.value)
    }

    // the reads of different keys are independent: they run together (the datastore's
    // latency, not its work, is what a delta of thousands of keys would otherwise wait on)
    const keys = [...new Set([...tombed.keys(), ...added.keys()])]
    const changes: Change[] = []
    for (let i = 0; i < keys.length; i += MERGE_READ_CONCURRENCY) {
      const reads = await Promise.all(keys.slice(i, i + MERGE_READ_CONCURRENCY).map(async key => {
        const value = added.get(key)
        const pre = known?.get(key)
        const live = value !== undefined && !(tombed.get(key)?.has(id) === true || (pre === undefined && await this.ds.has(this.keys.tombstone(key, id))))
        const { stored, current } = pre ?? await this.readKey(key)
        return { key, value, live, stored, current }
      }))
      for (const { key, value, live, stored, current } of reads) {
        const removed = tombed.get(key)
        let best = await this.bestStored(key, stored, removed, current)
        if (live && value !== undefined) {
          batch.put(this.keys.element(key, id), dagCbor.encode({ priority: delta.priority }))
          if (outranks({ priority: delta.priority, value }, best)) best = { priority: delta.priority, value }
        }
        const winner = best?.value
        if (equalBytes(winner, current)) continue
        if (winner === undefined) batch.delete(this.keys.value(key))
        else batch.put(this.keys.value(key), winner)
        changes.push({ key, value: winner, previous: current })
      }
    }
    return changes
  }

  /**
   * The best of a key's stored live elements once those `removed` are gone. While the element
   * that wins now stays (no removed element ranks as high as the best one left), that is the
   * visible value; else the values of the elements tied at the top are read (their blocks).
   */
  private async bestStored (key: string, stored: Array<[string, LiveElement]>, removed: Set<string> | undefined, current: Uint8Array | undefined): Promise<Candidate | undefined> {
    let top = -Infinity
    let removedTop = -Infinity
    for (const [eid, el] of stored) {
      if (removed?.has(eid) === true) removedTop = Math.max(removedTop, el.priority)
      else top = Math.max(top, el.priority)
    }
    if (top === -Infinity) return undefined
    if (current !== undefined && removedTop < top) return { priority: top, value: current }
    let best: Candidate | undefined
    for (const [eid, el] of stored) {
      if (el.priority !== top || removed?.has(eid) === true) continue
      const c = { priority: top, value: el.value ?? await this.elementValue(key, eid) }
      if (outranks(c, best)) best = c
    }
    return best
  }

  /** The value an element added: the greatest of its key's values in its delta's block. */
  private async elementValue (key: string, id: string): Promise<Uint8Array> {
    const bytes = await findValue(this.ds, this.keys.block(id))
    if (bytes === undefined) throw new Error(`delta ${id} of a live element of ${key} is not stored`)
    let value: Uint8Array | undefined
    for (const e of decodeDelta(id, bytes).elements) {
      if (e.key === key && compareBytes(e.value, value) > 0) value = e.value
    }
    if (value === undefined) throw new Error(`delta ${id} has no element of ${key}`)
    return value
  }

  /**
   * A key's live elements and visible value. A key without a visible value has no live element
   * (merge keeps the value as the best live element, and deletes it with the last one), so its
   * elements are listed only when it has a value: a range query costs a LevelDB iterator,
   * a point read does not, and most keys a commit touches are new.
   */
  private async readKey (key: string): Promise<KeyState> {
    const current = await this.get(key)
    return { stored: current === undefined ? [] : await this.liveElements(key), current }
  }

  /** The stored live elements of a key: [element id, element]. */
  private async liveElements (key: string): Promise<Array<[string, LiveElement]>> {
    const prefix = this.keys.elementPrefix(key)
    const out: Array<[string, LiveElement]> = []
    for await (const { key: k, value } of this.ds.query({ prefix })) out.push([CrdtKeys.tail(k, prefix), decodeElement(value)])
    return out
  }
}

function decodeElement (bytes: Uint8Array): LiveElement {
  const el = dagCbor.decode(bytes) as LiveElement
  return { priority: el.priority, value: el.value instanceof Uint8Array ? el.value : undefined }
}

/** Whether `a` beats `b`: a higher priority, or the same and a bytewise greater value. */
function outranks (a: Candidate, b: Candidate | undefined): boolean {
  return b === undefined || a.priority > b.priority || (a.priority === b.priority && compareBytes(a.value, b.value) > 0)
}
