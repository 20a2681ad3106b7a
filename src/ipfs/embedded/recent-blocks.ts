// Blocks stored recently, which garbage collection leaves alone for a grace period: an add or
// a block stream stores blocks before the pin that protects them is committed.
import type { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'

export class RecentBlocks {
  private readonly graceMs: number
  private readonly seen = new Map<string, number>()

  constructor (graceMs: number) {
    this.graceMs = graceMs
  }

  touch (cid: CID): void {
    const key = base32.encode(cid.multihash.bytes)
    this.seen.delete(key) // re-insert so the map stays ordered by time
    this.seen.set(key, Date.now())
    this.prune()
  }

  has (cid: CID): boolean {
    this.prune()
    return this.seen.has(base32.encode(cid.multihash.bytes))
  }

  private prune (): void {
    const limit = Date.now() - this.graceMs
    for (const [key, at] of this.seen) {
      if (at >= limit) break
      this.seen.delete(key)
    }
  }
}
