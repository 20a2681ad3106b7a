// The delta DAG in the datastore: blocks, processed marks, and the walk that brings the
// missing part of a remote branch in. Blocks are fetched and stored first and merged only
// once the whole missing branch is local (see MerkleCrdt.applyBranch): the processed marks
// then always form a closed-downward set, so "processed" means "this delta and all below it
// are merged", and an interrupted catch-up simply starts again from the stored blocks.
import type { Datastore } from 'interface-datastore'
import { decodeDelta, verifyBlock } from './delta.js'
import type { Delta } from './delta.js'
import { DeltaFetchError } from './errors.js'
import type { DeltaFetcher } from './interfaces.js'
import type { CrdtKeys } from './keys.js'
import { withTimeout } from '../common/signal.js'

/** How many delta fetches run at once while walking a branch. */
const FETCH_CONCURRENCY = 16

export class DeltaDag {
  private readonly ds: Datastore
  private readonly keys: CrdtKeys
  /** fetches under way: concurrent walks of overlapping branches share them */
  private readonly fetching = new Map<string, Promise<Delta>>()

  constructor (ds: Datastore, keys: CrdtKeys) {
    this.ds = ds
    this.keys = keys
  }

  async getBlock (cid: string): Promise<Uint8Array | undefined> {
    try {
      return await this.ds.get(this.keys.block(cid))
    } catch (err: any) {
      if (err?.name === 'NotFoundError') return undefined
      throw err
    }
  }

  async getDelta (cid: string): Promise<Delta | undefined> {
    const bytes = await this.getBlock(cid)
    return bytes === undefined ? undefined : decodeDelta(cid, bytes)
  }

  async isProcessed (cid: string): Promise<boolean> {
    return await this.ds.has(this.keys.processed(cid))
  }

  /**
   * Makes every delta of the branch under `root` that is not processed yet available locally,
   * fetching the missing blocks from `from`. Stops at processed deltas.
   */
  async fetchBranch (root: string, from: string, fetcher: DeltaFetcher | undefined, opts: { signal?: AbortSignal, timeout: number }): Promise<void> {
    const seen = new Set<string>()
    let frontier = [root]
    while (frontier.length > 0) {
      opts.signal?.throwIfAborted()
      const next: string[] = []
      const todo = frontier.filter(c => !seen.has(c))
      todo.forEach(c => seen.add(c))
      for (let i = 0; i < todo.length; i += FETCH_CONCURRENCY) {
        await Promise.all(todo.slice(i, i + FETCH_CONCURRENCY).map(async cid => {
          if (await this.isProcessed(cid)) return
          const delta = await this.localOrFetch(cid, from, fetcher, opts)
          next.push(...delta.links)
        }))
      }
      frontier = next
    }
  }

  private async localOrFetch (cid: string, from: string, fetcher: DeltaFetcher | undefined, opts: { signal?: AbortSignal, timeout: number }): Promise<Delta> {
    const local = await this.getBlock(cid)
    if (local !== undefined) return decodeDelta(cid, local)
    let job = this.fetching.get(cid)
    if (job === undefined) {
      job = this.fetchOne(cid, from, fetcher, opts).finally(() => this.fetching.delete(cid))
      this.fetching.set(cid, job)
    }
    return await job
  }

  private async fetchOne (cid: string, from: string, fetcher: DeltaFetcher | undefined, opts: { signal?: AbortSignal, timeout: number }): Promise<Delta> {
    if (fetcher === undefined) throw new DeltaFetchError(cid, from, new Error('no delta fetcher (offline)'))
    const signal = withTimeout(opts.timeout, opts.signal)
    let bytes: Uint8Array
    try {
      bytes = await fetcher.fetch(cid, from, { signal })
    } catch (err) {
      throw new DeltaFetchError(cid, from, err)
    }
    await verifyBlock(cid, bytes)
    const delta = decodeDelta(cid, bytes)
    await this.ds.put(this.keys.block(cid), bytes)
    return delta
  }

  /**
   * The unprocessed deltas of the branch under `root`, from local blocks only, parents before
   * children (breadth-first from the root). Empty when root is processed already.
   */
  async localBranch (root: string): Promise<Array<{ cid: string, delta: Delta }>> {
    const out: Array<{ cid: string, delta: Delta }> = []
    const seen = new Set<string>([root])
    const queue = [root]
    for (let i = 0; i < queue.length; i++) {
      const cid = queue[i]
      if (await this.isProcessed(cid)) continue
      const delta = await this.getDelta(cid)
      if (delta === undefined) throw new Error(`delta ${cid} missing from the local DAG`)
      out.push({ cid, delta })
      for (const l of delta.links) {
        if (!seen.has(l)) {
          seen.add(l)
          queue.push(l)
        }
      }
    }
    return out
  }

  /** Every delta reachable from the given heads (used by repair to re-merge the whole DAG). */
  async * walk (heads: string[]): AsyncGenerator<{ cid: string, delta: Delta }> {
    const seen = new Set<string>(heads)
    const queue = [...heads]
    for (let i = 0; i < queue.length; i++) {
      const cid = queue[i]
      const delta = await this.getDelta(cid)
      if (delta === undefined) continue
      yield { cid, delta }
      for (const l of delta.links) {
        if (!seen.has(l)) {
          seen.add(l)
          queue.push(l)
        }
      }
    }
  }
}
