// The add-wins observed-remove set with priorities (go-ds-crdt's set.go semantics). A key is
// present while it has an element that no tombstone covers; its visible value is the one of
// the live element with the highest priority, ties broken by the bytewise greater value.
// The visible value is recomputed from the live elements of each key a delta touches, so the
// result depends only on which deltas were merged, never on their order: replicas converge.
import * as dagCbor from '@ipld/dag-cbor'
import type { Batch, Datastore } from 'interface-datastore'
import { compareBytes, equalBytes } from './delta.js'
import type { Delta } from './delta.js'
import { CrdtKeys } from './keys.js'
import { findValue, rangeOf } from '../datastore/level-store.js'

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
        let best: LiveElement | undefined
        const consider = (el: LiveElement): void => {
          if (best === undefined || el.priority > best.priority ||
            (el.priority === best.priority && compareBytes(el.value, best.value) > 0)) best = el
        }
        const removed = tombed.get(key)
        for (const [eid, el] of stored) if (removed?.has(eid) !== true) consider(el)
        if (live && value !== undefined) {
          const el = { priority: delta.priority, value }
          batch.put(this.keys.element(key, id), dagCbor.encode(el))
          consider(el)
        }
        const winner = (best as LiveElement | undefined)?.value
        if (equalBytes(winner, current)) continue
        if (winner === undefined) batch.delete(this.keys.value(key))
        else batch.put(this.keys.value(key), winner)
        changes.push({ key, value: winner, previous: current })
      }
    }
    return changes
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
  return { priority: el.priority, value: el.value }
}
