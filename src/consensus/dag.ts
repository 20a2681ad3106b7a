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
import { findValue } from '../datastore/level-store.js'

/** How many delta fetches run at once while walking a branch (peers without branch requests). */
const FETCH_CONCURRENCY = 16
/** Roots per branch request, and blocks a peer sends at most per branch request. */
const BRANCH_ROOTS = 64
const BRANCH_MAX = 1024

/** A delta of a branch to merge. */
export interface BranchEntry {
  cid: string
  priority: number
}

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
    return await findValue(this.ds, this.keys.block(cid))
  }

  async getDelta (cid: string): Promise<Delta | undefined> {
    const bytes = await this.getBlock(cid)
    return bytes === undefined ? undefined : decodeDelta(cid, bytes)
  }

  async isProcessed (cid: string): Promise<boolean> {
    return await this.ds.has(this.keys.processed(cid))
  }

  /**
   * Makes every delta of the branches under `roots` that is not processed yet available locally,
   * fetching the missing blocks from `from`, and returns them (cid and priority) in the order
   * to merge them: lowest priority first, which puts every delta after the deltas it links to.
   * Stops at processed deltas. With a fetcher that streams branches, one request brings many
   * deltas; otherwise FETCH_CONCURRENCY single fetches run at once.
   */
  async fetchBranch (roots: string[], from: string, fetcher: DeltaFetcher | undefined, opts: { signal?: AbortSignal, timeout: number }): Promise<BranchEntry[]> {
    const out: BranchEntry[] = []
    const seen = new Set<string>(roots)
    /** deltas already in `out` */
    const done = new Set<string>()
    let frontier = [...seen]
    while (frontier.length > 0) {
      opts.signal?.throwIfAborted()
      const next: string[] = []
      const missing: string[] = []
      const found = (cid: string, delta: Delta): void => {
        if (done.has(cid)) return
        done.add(cid)
        out.push({ cid, priority: delta.priority })
        for (const l of delta.links) {
          if (!seen.has(l)) {
            seen.add(l)
            next.push(l)
          }
        }
      }
      for (const cid of frontier) {
        if (done.has(cid) || await this.isProcessed(cid)) continue
        const delta = await this.getDelta(cid)
        if (delta !== undefined) found(cid, delta)
        else missing.push(cid)
      }
      if (missing.length > 0) {
        let left = missing
        if (fetcher?.fetchBranch !== undefined) {
          try {
            left = await this.streamBranch(missing, from, fetcher, opts, found, done)
          } catch (err) {
            if (opts.signal?.aborted === true) throw err
            // e.g. a peer without the branch method: one delta per request below
          }
        }
        for (let i = 0; i < left.length; i += FETCH_CONCURRENCY) {
          await Promise.all(left.slice(i, i + FETCH_CONCURRENCY).map(async cid => {
            found(cid, await this.localOrFetch(cid, from, fetcher, opts))
          }))
        }
      }
      frontier = next
    }
    return out.sort((a, b) => a.priority - b.priority)
  }

  /**
   * Brings the branches under `wanted` in with branch requests: the peer streams the blocks
   * under them breadth-first; a block is kept only if it is one a kept block (or `wanted`)
   * links to, checked against its CID, and stored. A link to a processed or local delta is not
   * wanted (`found` gets the links and walks local ones later). The request is dropped once
   * nothing more is wanted. Returns what the peer did not send.
   */
  private async streamBranch (wanted: string[], from: string, fetcher: DeltaFetcher, opts: { signal?: AbortSignal, timeout: number }, found: (cid: string, delta: Delta) => void, done: Set<string>): Promise<string[]> {
    const expected = new Set(wanted)
    let progress = true
    // the peer sends ahead of what is read: the first request asks for the wanted deltas only
    // (a follower keeping up is one delta behind: every block sent beyond it would be read,
    // encoded, sent and dropped), a peer further behind for more and more
    let max = Math.min(BRANCH_MAX, expected.size)
    for (let round = 0; expected.size > 0 && progress; round++, max = Math.min(BRANCH_MAX, max * 8)) {
      progress = false
      const signal = withTimeout(opts.timeout, opts.signal)
      let batch = this.ds.batch()
      let batched = 0
      const flush = async (): Promise<void> => {
        if (batched === 0) return
        await batch.commit()
        batch = this.ds.batch()
        batched = 0
      }
      try {
        for await (const { cid, bytes } of fetcher.fetchBranch!([...expected].slice(0, BRANCH_ROOTS), from, { signal, max })) {
          if (!expected.has(cid)) continue
          await verifyBlock(cid, bytes)
          const delta = decodeDelta(cid, bytes)
          expected.delete(cid)
          progress = true
          batch.put(this.keys.block(cid), bytes)
          if (++batched >= 64) await flush()
          found(cid, delta)
          for (const l of delta.links) {
            if (!expected.has(l) && !done.has(l) && !(await this.isProcessed(l)) && !(await this.ds.has(this.keys.block(l)))) expected.add(l)
          }
          if (expected.size === 0) break
        }
      } finally {
        await flush()
      }
    }
    return [...expected]
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
   * The blocks of the branches under `roots` that are stored here, breadth-first, at most
   * `max` of them (what a peer catching up asks for with one request).
   */
  async * branchBlocks (roots: string[], max: number, opts: { signal?: AbortSignal } = {}): AsyncGenerator<{ cid: string, bytes: Uint8Array }> {
    const seen = new Set<string>(roots)
    const queue = [...roots]
    let sent = 0
    for (let i = 0; i < queue.length && sent < max; i++) {
      opts.signal?.throwIfAborted()
      const cid = queue[i]
      const bytes = await this.getBlock(cid)
      if (bytes === undefined) continue
      yield { cid, bytes }
      sent++
      for (const l of decodeDelta(cid, bytes).links) {
        if (!seen.has(l)) {
          seen.add(l)
          queue.push(l)
        }
      }
    }
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
