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

/** A change of a key's visible value; value undefined = the key left the set. */
export interface Change {
  key: string
  value: Uint8Array | undefined
  previous: Uint8Array | undefined
}

interface LiveElement {
  priority: number
  value: Uint8Array
}

const EMPTY = new Uint8Array(0)

export class ORSet {
  private readonly ds: Datastore
  private readonly keys: CrdtKeys

  constructor (ds: Datastore, keys: CrdtKeys) {
    this.ds = ds
    this.keys = keys
  }

  async get (key: string): Promise<Uint8Array | undefined> {
    try {
      return await this.ds.get(this.keys.value(key))
    } catch (err: any) {
      if (err?.name === 'NotFoundError') return undefined
      throw err
    }
  }

  async has (key: string): Promise<boolean> {
    return await this.ds.has(this.keys.value(key))
  }

  async * entries (opts: { signal?: AbortSignal } = {}): AsyncGenerator<{ key: string, value: Uint8Array }> {
    const prefix = this.keys.valuePrefix()
    for await (const { key, value } of this.ds.query({ prefix }, opts)) {
      yield { key: CrdtKeys.tail(key, prefix), value }
    }
  }

  /** Ids of the elements of a key no tombstone covers yet: what a removal must tombstone. */
  async liveIds (key: string): Promise<string[]> {
    const prefix = this.keys.elementPrefix(key)
    const ids: string[] = []
    for await (const k of this.ds.queryKeys({ prefix })) ids.push(CrdtKeys.tail(k, prefix))
    return ids
  }

  /**
   * Stages in `batch` the merge of a delta whose id (its CID) is `id`, and returns the changes
   * of visible values it makes once committed. Reads only committed data, so the caller may
   * add its own writes (block, heads) to the batch and commit all at once. Idempotent:
   * merging a delta again changes nothing.
   */
  async merge (delta: Delta, id: string, batch: Batch): Promise<Change[]> {
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
    const newElems = new Map<string, LiveElement>()
    for (const [key, value] of added) {
      if (tombed.get(key)?.has(id) === true || await this.ds.has(this.keys.tombstone(key, id))) continue
      const el = { priority: delta.priority, value }
      batch.put(this.keys.element(key, id), dagCbor.encode(el))
      newElems.set(key, el)
    }

    const changes: Change[] = []
    for (const key of new Set([...tombed.keys(), ...added.keys()])) {
      const best = await this.bestValue(key, tombed.get(key), newElems.has(key) ? [id, newElems.get(key)!] : undefined)
      const current = await this.get(key)
      if (equalBytes(best, current)) continue
      if (best === undefined) batch.delete(this.keys.value(key))
      else batch.put(this.keys.value(key), best)
      changes.push({ key, value: best, previous: current })
    }
    return changes
  }

  /** The winning value among the stored live elements, as amended by the batch in progress. */
  private async bestValue (key: string, removed: Set<string> | undefined, extra: [string, LiveElement] | undefined): Promise<Uint8Array | undefined> {
    let best: LiveElement | undefined
    const consider = (el: LiveElement): void => {
      if (best === undefined || el.priority > best.priority ||
        (el.priority === best.priority && compareBytes(el.value, best.value) > 0)) best = el
    }
    const prefix = this.keys.elementPrefix(key)
    for await (const { key: k, value } of this.ds.query({ prefix })) {
      if (removed?.has(CrdtKeys.tail(k, prefix)) === true) continue
      consider(decodeElement(value))
    }
    if (extra !== undefined) consider(extra[1])
    return best?.value
  }
}

function decodeElement (bytes: Uint8Array): LiveElement {
  const el = dagCbor.decode(bytes) as LiveElement
  return { priority: el.priority, value: el.value }
}
