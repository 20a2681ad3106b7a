// The heads of the local DAG (deltas no processed delta links to) with their heights. Kept
// in the datastore so a restarted peer builds on, and announces, the same heads; cached in
// memory because every local delta reads them.
import * as dagCbor from '@ipld/dag-cbor'
import type { Batch, Datastore } from 'interface-datastore'
import { CrdtKeys } from './keys.js'

export class Heads {
  private readonly ds: Datastore
  private readonly keys: CrdtKeys
  private readonly cache = new Map<string, number>()

  constructor (ds: Datastore, keys: CrdtKeys) {
    this.ds = ds
    this.keys = keys
  }

  async load (): Promise<void> {
    this.cache.clear()
    const prefix = this.keys.headPrefix()
    for await (const { key, value } of this.ds.query({ prefix })) {
      this.cache.set(CrdtKeys.tail(key, prefix), dagCbor.decode(value) as number)
    }
  }

  list (): string[] {
    return [...this.cache.keys()].sort()
  }

  has (cid: string): boolean {
    return this.cache.has(cid)
  }

  maxHeight (): number {
    let max = 0
    for (const h of this.cache.values()) if (h > max) max = h
    return max
  }

  /**
   * Records, in the caller's batch, that `root` became a head and that the heads in
   * `replaced` are heads no more. Call apply() with the same arguments once it committed.
   */
  stage (batch: Batch, root: string, height: number, replaced: Iterable<string>): void {
    for (const r of replaced) if (this.cache.has(r)) batch.delete(this.keys.head(r))
    batch.put(this.keys.head(root), dagCbor.encode(height))
  }

  apply (root: string, height: number, replaced: Iterable<string>): void {
    for (const r of replaced) this.cache.delete(r)
    this.cache.set(root, height)
  }

  clear (): void {
    this.cache.clear()
  }
}
