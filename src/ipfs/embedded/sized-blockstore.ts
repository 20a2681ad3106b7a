// A blockstore-fs that keeps the repo size current, so `repo stat` (the freespace metric) does
// not walk the whole block folder on every call. Every write path of the node goes through it:
// adds, bitswap fetches during pins, and garbage collection.
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '@libp2p/interface'

export class SizedBlockstore extends FsBlockstore {
  private size = 0

  override async open (): Promise<void> {
    await super.open()
    this.size = await folderSize(this.path)
  }

  get repoSize (): number {
    return this.size
  }

  override async put (key: CID, val: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<CID> {
    if (val instanceof Uint8Array && !(await super.has(key, options))) {
      const cid = await super.put(key, val, options)
      this.size += val.byteLength
      return cid
    }
    return super.put(key, val, options)
  }

  override async * putMany (source: Iterable<{ cid: CID, bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array> }> | AsyncIterable<{ cid: CID, bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array> }>, options?: AbortOptions): AsyncGenerator<CID> {
    for await (const { cid, bytes } of source) {
      yield await this.put(cid, bytes, options)
    }
  }

  override async delete (key: CID, options?: AbortOptions): Promise<void> {
    const bytes = await this.byteSize(key)
    await super.delete(key, options)
    this.size = Math.max(0, this.size - bytes)
  }

  override async * deleteMany (source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<CID> {
    for await (const cid of source) {
      await this.delete(cid, options)
      yield cid
    }
  }

  /** Size of a stored block, 0 when absent (deletes only happen in GC, so reading it is cheap enough). */
  async byteSize (key: CID): Promise<number> {
    let total = 0
    try {
      for await (const chunk of super.get(key)) total += chunk.byteLength
    } catch {
      return 0
    }
    return total
  }
}

async function folderSize (dir: string): Promise<number> {
  let total = 0
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return 0
  }
  for (const e of entries) {
    const p = join(dir, e.name)
    if (e.isDirectory()) total += await folderSize(p)
    else if (e.isFile()) total += (await stat(p)).size
  }
  return total
}
