// A blockstore-fs that keeps the repo size current, so `repo stat` (the freespace metric) does
// not walk the whole block folder on every call. Every write path of the node goes through it:
// adds, bitswap fetches during pins, and garbage collection.
//
// A block is written as blockstore-fs lays it out (same folders and file names, so existing
// repos read as before), but with fewer file system calls, which the block path of every add
// pays per block: the shard folders are created once, not before every write, and the file is
// written to a temporary name and renamed into place, so a reader never sees half a block.
//
// Block reads and writes are synchronous while the disk keeps up. A block write is an open, a
// writev, a close and a rename, a read an open, a stat, reads of 512 KiB and a close; through
// the thread pool each is a round trip between threads, and on the test VM those wake-ups cost
// more than the copies from and into the page cache themselves (1,024 writes of 256 KiB:
// 300-330 µs of CPU each through the pool, 120-130 µs synchronously; a read of 1 MiB 1.0 ms
// against 0.8). Calls that take long, a few in a row, say the disk is behind (reads miss the
// page cache, or the kernel throttles writers of dirty pages): then block reads and writes go
// through the thread pool for a while, where several wait on the disk at once and the event
// loop runs on.
import { mkdir, rename } from 'node:fs/promises'
import { close, closeSync, existsSync, fstatSync, open, openSync, readFile, readFileSync, readSync, readdirSync, renameSync, rmSync, stat, statSync, unlinkSync, writeFileSync, writev, writevSync } from 'node:fs'
import { isUint8ArrayList } from 'uint8arraylist'
import type { Uint8ArrayList } from 'uint8arraylist'
import { join } from 'node:path'
import { copyPiecesInto } from '../../common/copy-into.js'
import { FsBlockstore } from 'blockstore-fs'
import { NotFoundError } from 'interface-store'
import { NextToLast } from 'blockstore-fs/sharding'
import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '@libp2p/interface'

let tmpCounter = 0

/** A synchronous block read or write longer than this is slow (from or into the page cache: about 1 ms per MiB). */
const SLOW_CALL_MS = 10
/**
 * Slow calls in a row that say the disk is behind. One alone does not: on a busy machine the
 * kernel can leave the process off the CPU for a few milliseconds in any call (block writes into
 * tmpfs took up to 10.4 ms now and then in an erasure add of 6 peers on 2 cores), while every
 * call to a disk that is behind is slow.
 */
const SLOW_CALLS_IN_A_ROW = 3
/** How long block reads and writes then go through the thread pool before they are tried synchronously again. */
const THREAD_POOL_SPELL_MS = 10_000

/** Whether block files are read and written synchronously: yes, except for a while after a few such calls in a row were slow. */
export class SyncWhileFast {
  private threadPoolUntil = 0
  private slowInARow = 0

  get allowed (): boolean {
    return Date.now() >= this.threadPoolUntil
  }

  run<T> (call: () => T): T {
    const started = performance.now()
    try {
      return call()
    } finally {
      if (performance.now() - started <= SLOW_CALL_MS) this.slowInARow = 0
      else if (++this.slowInARow >= SLOW_CALLS_IN_A_ROW) {
        this.slowInARow = 0
        this.threadPoolUntil = Date.now() + THREAD_POOL_SPELL_MS
      }
    }
  }
}

/** A block could not be written (the name interface-store gives the same failure). */
class PutFailedError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'PutFailedError'
  }
}

export class SizedBlockstore extends FsBlockstore {
  private size = 0
  /** blockstore-fs's default layout, given to it and kept here (its own field is private) */
  private readonly layout: NextToLast
  /** shard folders known to exist */
  private readonly folders = new Set<string>()
  private readonly syncCalls = new SyncWhileFast()

  constructor (location: string) {
    const layout = new NextToLast()
    super(location, { shardingStrategy: layout })
    this.layout = layout
  }

  /**
   * The size is counted once per start: read from the file a clean close left (and removed,
   * so that after a crash it is counted again) when it was left for this same block folder,
   * else by walking the block folder. A folder removed or swapped while the daemon was stopped
   * (a wiped or replaced disk) is another folder: its saved size would be the old one's, and the
   * freespace metric the allocator ranks peers by would be off by all of it. The walk stats
   * every block file: synchronously, as nothing else runs yet and a thread-pool round trip per
   * file made a million blocks take over a minute.
   */
  override async open (): Promise<void> {
    await super.open()
    const saved = this.savedSize()
    this.size = saved ?? folderSize(this.path)
  }

  override async close (): Promise<void> {
    await super.close()
    let folder: string
    try {
      folder = folderIdentity(this.path)
    } catch {
      return // the folder went while the daemon ran: no size to save for it, the next start counts
    }
    writeFileSync(this.sizeFile, JSON.stringify({ size: this.size, folder }))
  }

  /** next to the block folder, not in it: never taken for a block nor counted in the size */
  private get sizeFile (): string {
    return `${this.path}.size`
  }

  private savedSize (): number | undefined {
    let saved: { size?: unknown, folder?: unknown }
    try {
      saved = JSON.parse(readFileSync(this.sizeFile, 'utf8'))
      rmSync(this.sizeFile, { force: true })
    } catch {
      return undefined
    }
    if (typeof saved !== 'object' || saved === null) return undefined
    // a file from before the folder was recorded is taken as it is (its folder cannot be checked)
    if (saved.folder !== undefined && saved.folder !== folderIdentity(this.path)) return undefined
    const size = saved.size
    return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined
  }

  get repoSize (): number {
    return this.size
  }

  /** The file a block is stored in (blockstore-fs's layout). */
  private blockPath (key: CID): string {
    const { dir, file } = this.layout.encode(key)
    return join(this.path, dir, file)
  }

  /**
   * Whether the block's file exists, asked synchronously: an access() of a cached directory
   * entry takes a microsecond or two, the thread-pool round trip of fs.promises.access tens of
   * them, and every pin asks it for each block it reaches (every add for each block it writes).
   */
  override async has (key: CID, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    return existsSync(this.blockPath(key))
  }

  /**
   * The first `bytes` bytes of a stored block and its size, read synchronously (an open, a
   * small read and a stat of a cached file take microseconds; the pin walks ask it for each
   * dag-pb block they reach); undefined when the block is not stored or cannot be read.
   */
  head (key: CID, bytes: number): { head: Uint8Array, size: number } | undefined {
    let fd: number
    try {
      fd = openSync(this.blockPath(key), 'r')
    } catch {
      return undefined
    }
    try {
      const size = fstatSync(fd).size
      const head = Buffer.allocUnsafe(Math.min(bytes, size))
      const read = readSync(fd, head, 0, head.byteLength, 0)
      return { head: head.subarray(0, read), size }
    } catch {
      return undefined
    } finally {
      closeSync(fd)
    }
  }

  /**
   * A stored block, read whole: one buffer of its size from one readFile (synchronous while
   * the disk keeps up, else callback-style). blockstore-fs streams it through a FileHandle in
   * 64 KiB chunks that every reader then joined: per block read (a cat, an ecget's shards, a
   * pin walk) four buffers and a join more, garbage that made the daemon's full collections
   * several times as frequent.
   */
  override async * get (key: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    options?.signal?.throwIfAborted()
    const path = this.blockPath(key)
    if (this.syncCalls.allowed) {
      let bytes: Uint8Array
      try {
        bytes = this.syncCalls.run(() => readFileSync(path))
      } catch (err) {
        throw new NotFoundError(String(err))
      }
      yield bytes
      return
    }
    yield await new Promise<Uint8Array>((resolve, reject) => {
      readFile(path, { signal: options?.signal }, (err, bytes) => {
        if (err == null) resolve(bytes)
        else reject(options?.signal?.aborted === true ? options.signal.reason : new NotFoundError(String(err)))
      })
    })
  }

  override async put (key: CID, val: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<CID> {
    if (!(val instanceof Uint8Array) && !isUint8ArrayList(val)) return await super.put(key, val, options)
    await this.store(key, val, options)
    return key
  }

  /**
   * Stores a block unless it is already here; whether it was written. A block received from
   * another peer comes as the pieces it arrived in (rpc/frames.ts): they are written as they
   * are, in order (one writev, never joined).
   */
  async store (key: CID, bytes: Uint8Array | Uint8ArrayList, options?: AbortOptions): Promise<boolean> {
    if (await this.has(key, options)) return false
    await this.putPieces(key, bytes instanceof Uint8Array ? [bytes] : [...bytes], options)
    return true
  }

  /** Writes the block's file from its pieces, in order. */
  private async putPieces (key: CID, pieces: Uint8Array[], options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    const { dir, file } = this.layout.encode(key)
    const folder = join(this.path, dir)
    if (!this.folders.has(dir)) {
      await mkdir(folder, { recursive: true })
      this.folders.add(dir)
    }
    const target = join(folder, file)
    const tmp = `${target}.${process.pid}.${tmpCounter++}.tmp`
    let bytes = 0
    for (const piece of pieces) bytes += piece.byteLength
    try {
      if (this.syncCalls.allowed) {
        this.syncCalls.run(() => {
          writePiecesSync(tmp, pieces, bytes)
          renameSync(tmp, target)
        })
      } else {
        await writePieces(tmp, pieces)
        await rename(tmp, target)
      }
    } catch (err: any) {
      try { unlinkSync(tmp) } catch {}
      // the folder went away under us (deleted by hand): make it again next time
      if (err?.code === 'ENOENT') this.folders.delete(dir)
      throw new PutFailedError(String(err))
    }
    this.size += bytes
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

  /** Size of a stored block (its file's), 0 when absent. */
  async byteSize (key: CID): Promise<number> {
    return await new Promise<number>(resolve => {
      stat(this.blockPath(key), (err, st) => { resolve(err == null ? st.size : 0) })
    })
  }
}

/** A new file of the pieces one after the other (writev: a short write goes on where it stopped). */
async function writePieces (path: string, pieces: Uint8Array[]): Promise<void> {
  const fd = await new Promise<number>((resolve, reject) => { open(path, 'w', (err, fd) => { if (err == null) resolve(fd); else reject(err) }) })
  try {
    let left = pieces
    while (left.length > 0) {
      const written = await new Promise<number>((resolve, reject) => { writev(fd, left, (err, n) => { if (err == null) resolve(n); else reject(err) }) })
      left = after(left, written)
    }
  } finally {
    await new Promise<void>(resolve => { close(fd, () => { resolve() }) })
  }
}

/**
 * Blocks up to this size are written from one reused buffer (see staged); larger ones from
 * their own pieces.
 */
const STAGE_BYTES = 1024 * 1024
let stage: Uint8Array | undefined

/**
 * The pieces (`bytes` in all) copied one after the other into the reused staging buffer (a
 * view of it, valid until the next call), or undefined when they do not fit.
 *
 * Why: the copy the kernel makes from the caller's memory into the page cache costs per
 * distinct page it reads, not per byte, once the pages are many: a block received from
 * another peer, or a stripe's view, lies in memory that moves on with every block (socket
 * reads, decryption, 96 MiB stripes), and on the project's VMs writing 1,024 blocks of 256 KiB
 * from such memory took 420-490 ms of system time into tmpfs, against 70-100 ms from one
 * reused 256 KiB buffer (the extra copy into it: 18 ms per 256 MiB in user space). On a
 * holder of an erasure add that copy was a quarter of the main thread; staged, it took 60 %
 * less in one A/B. What stays is the page cache's side: its new pages are touched for the
 * first time too.
 */
function staged (pieces: Uint8Array[], bytes: number): Uint8Array | undefined {
  if (bytes > STAGE_BYTES) return undefined
  stage ??= new Uint8Array(STAGE_BYTES)
  copyPiecesInto(stage, pieces, 0)
  return stage.subarray(0, bytes)
}

/** writePieces, synchronously, through the staging buffer when the block (`bytes` long) fits. */
function writePiecesSync (path: string, pieces: Uint8Array[], bytes: number): void {
  const fd = openSync(path, 'w')
  try {
    const whole = staged(pieces, bytes)
    let left = whole != null ? [whole] : pieces
    while (left.length > 0) left = after(left, writevSync(fd, left))
  } finally {
    closeSync(fd)
  }
}

/** The pieces past the first `bytes` bytes. */
function after (pieces: Uint8Array[], bytes: number): Uint8Array[] {
  let i = 0
  while (i < pieces.length && bytes >= pieces[i].byteLength) bytes -= pieces[i++].byteLength
  if (i === pieces.length) return []
  return [pieces[i].subarray(bytes), ...pieces.slice(i + 1)]
}

/**
 * Which folder `dir` is: another one made in its place (removed and made again, or swapped)
 * differs. Not the device number, which some systems renumber at a reboot (a count would then
 * replace the saved size at every start).
 */
function folderIdentity (dir: string): string {
  const st = statSync(dir)
  return `${st.ino}:${st.birthtimeMs}`
}

function folderSize (dir: string): number {
  let total = 0
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return 0
  }
  for (const e of entries) {
    const p = join(dir, e.name)
    if (e.isDirectory()) total += folderSize(p)
    else if (e.isFile()) total += statSync(p).size
  }
  return total
}
