// The embedded node's blockstore keeps the repo size: counted at open (from the size a clean
// close saved for the same block folder, else by walking the blocks), kept current by writes
// and deletes; a block given as the pieces it arrived in is written from them; a block is read
// back whole, in one buffer.
// Blocks are read and written synchronously until such a call is slow, then through the thread
// pool for a while: both ways are tried.
import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import { mkdtemp, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { Uint8ArrayList } from 'uint8arraylist'
import { NotFoundError } from 'interface-store'
import { SizedBlockstore, SyncWhileFast } from '../../src/ipfs/embedded/sized-blockstore.js'

async function block (i: number, size: number): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new Uint8Array(size).fill(i % 251)
  bytes[0] = i & 0xff
  bytes[1] = i >> 8
  return { cid: CID.create(1, raw.code, await sha256.digest(bytes)), bytes }
}

/** A call of `ms` milliseconds, as a read or write of a disk that is behind would be. */
function slowCall (ms: number): () => void {
  return () => {
    const until = performance.now() + ms
    while (performance.now() < until);
  }
}

/** The store as after a slow block read or write: its calls go through the thread pool for a while. */
function throughThreadPool (store: SizedBlockstore): SizedBlockstore {
  const syncCalls = (store as unknown as { syncCalls: SyncWhileFast }).syncCalls
  for (let i = 0; i < 3; i++) syncCalls.run(slowCall(12))
  assert.equal(syncCalls.allowed, false)
  return store
}

describe('SyncWhileFast', () => {
  it('allows synchronous calls until three in a row take over 10 ms, then not for a while', () => {
    const calls = new SyncWhileFast()
    assert.equal(calls.allowed, true)
    assert.equal(calls.run(() => 42), 42)
    calls.run(slowCall(12))
    calls.run(slowCall(12))
    assert.equal(calls.allowed, true, 'two slow calls are not a slow disk')
    calls.run(() => 0)
    calls.run(slowCall(12))
    assert.equal(calls.allowed, true, 'slow calls with a fast one between are not a slow disk')
    calls.run(slowCall(12))
    assert.throws(() => calls.run(() => { slowCall(12)(); throw new Error('failed slowly') }), /failed slowly/)
    assert.equal(calls.allowed, false, 'the third slow call in a row counts, even when it fails')
  })
})

describe('SizedBlockstore', () => {
  const dirs: string[] = []
  afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }) })

  it('saves its size at a clean close and counts the blocks again after a crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sized-blockstore-'))
    dirs.push(dir)
    const path = join(dir, 'blocks')
    const store = new SizedBlockstore(path)
    await store.open()
    let expected = 0
    for (let i = 0; i < 50; i++) {
      const b = await block(i, 100 + i)
      await store.put(b.cid, b.bytes)
      expected += b.bytes.byteLength
    }
    const gone = await block(0, 100)
    await store.delete(gone.cid)
    expected -= 100
    assert.equal(store.repoSize, expected)
    await store.close()
    assert.ok(existsSync(`${path}.size`), 'the size is saved beside the blocks')

    const reopened = new SizedBlockstore(path)
    await reopened.open()
    assert.equal(reopened.repoSize, expected, 'read back from the saved size')
    assert.ok(!existsSync(`${path}.size`), 'taken at open: a crash before the next close leaves none')
    const extra = await block(1000, 5000)
    await reopened.put(extra.cid, extra.bytes)
    // no close: the process "crashed"

    const afterCrash = new SizedBlockstore(path)
    await afterCrash.open()
    assert.equal(afterCrash.repoSize, expected + 5000, 'counted by walking the blocks')
    await afterCrash.close()
  })

  it('does not take the size saved for a block folder that was removed or swapped since: it counts the one it finds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sized-blockstore-'))
    dirs.push(dir)
    const path = join(dir, 'blocks')
    const fill = async (from: number): Promise<number> => {
      const store = new SizedBlockstore(path)
      await store.open()
      for (let i = from; i < from + 10; i++) {
        const b = await block(i, 1000)
        await store.put(b.cid, b.bytes)
      }
      const size = store.repoSize
      await store.close()
      return size
    }
    assert.equal(await fill(0), 10_000)
    // a wiped disk: the folder removed while the daemon was stopped, the saved size left beside it
    await rm(path, { recursive: true })
    const wiped = new SizedBlockstore(path)
    await wiped.open()
    assert.equal(wiped.repoSize, 0, 'the new, empty folder is counted')
    await wiped.close()

    // a swapped disk: the folder moved aside and another holding other blocks put in its place
    assert.equal(await fill(100), 10_000)
    await rename(path, join(dir, 'kept'))
    const other = new SizedBlockstore(join(dir, 'other'))
    await other.open()
    const b = await block(500, 2500)
    await other.put(b.cid, b.bytes)
    await other.close()
    await rename(join(dir, 'other'), path)
    const swapped = new SizedBlockstore(path)
    await swapped.open()
    assert.equal(swapped.repoSize, 2500, 'counted, not the 10,000 bytes saved for the folder that was there')
    await swapped.close()

    // removed while open: closing saves no size (there is no folder to save it for)
    const open = new SizedBlockstore(path)
    await open.open()
    await rm(path, { recursive: true })
    await open.close()
    assert.ok(!existsSync(`${path}.size`))
    // one that is not a size (cut short, edited) is not taken either: the folder is counted
    const refilled = new SizedBlockstore(path)
    await refilled.open()
    const c = await block(600, 700)
    await refilled.put(c.cid, c.bytes)
    await refilled.close()
    writeFileSync(`${path}.size`, 'null')
    const garbled = new SizedBlockstore(path)
    await garbled.open()
    assert.equal(garbled.repoSize, 700)
    await garbled.close()
    // a size file from before the folder was recorded is taken as it is
    writeFileSync(`${path}.size`, JSON.stringify({ size: 1234 }))
    const older = new SizedBlockstore(path)
    await older.open()
    assert.equal(older.repoSize, 1234)
    await older.close()
  })

  it('reads the first bytes and the size of a stored block, nothing for one it does not hold', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sized-blockstore-'))
    dirs.push(dir)
    const store = new SizedBlockstore(join(dir, 'blocks'))
    await store.open()
    const b = await block(7, 3000)
    await store.put(b.cid, b.bytes)
    const stored = store.head(b.cid, 11)
    assert.deepEqual(stored && { head: [...stored.head], size: stored.size }, { head: [...b.bytes.subarray(0, 11)], size: 3000 })
    const small = await block(8, 4)
    await store.put(small.cid, small.bytes)
    const whole = store.head(small.cid, 11)
    assert.deepEqual(whole && { head: [...whole.head], size: whole.size }, { head: [...small.bytes], size: 4 }, 'a block shorter than asked comes whole')
    assert.equal(store.head((await block(9, 10)).cid, 11), undefined)
    await store.close()
  })

  for (const way of ['synchronously', 'through the thread pool']) {
    it(`writes a block given as the pieces it arrived in, one after the other, and counts its size (${way})`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'sized-blockstore-'))
      dirs.push(dir)
      let store = new SizedBlockstore(join(dir, 'blocks'))
      if (way !== 'synchronously') store = throughThreadPool(store)
      await store.open()
      const before = store.repoSize
      for (const [i, cuts] of [[], [1], [100, 65_536, 65_550], [262_143]].entries()) {
        const b = await block(20 + i, 262_144)
        const list = new Uint8ArrayList()
        let from = 0
        for (const cut of [...cuts, b.bytes.byteLength]) { list.append(b.bytes.subarray(from, cut)); from = cut }
        await store.put(b.cid, list)
        const chunks: Uint8Array[] = []
        for await (const c of store.get(b.cid)) chunks.push(c)
        const back = Buffer.concat(chunks)
        assert.ok(back.equals(b.bytes), `cut at ${cuts.join(',')}`)
      }
      assert.equal(store.repoSize - before, 4 * 262_144)
      // blocks pass through one reused staging buffer when they fit: each kept its own bytes
      for (const i of [0, 1, 2, 3]) {
        const b = await block(20 + i, 262_144)
        const chunks: Uint8Array[] = []
        for await (const c of store.get(b.cid)) chunks.push(c)
        assert.ok(Buffer.concat(chunks).equals(b.bytes), `block ${i} read again`)
      }
      // the staging buffer's size (1 MiB) and past it: written from the pieces themselves
      for (const size of [1024 * 1024, 1024 * 1024 + 1]) {
        const b = await block(40, size)
        await store.put(b.cid, new Uint8ArrayList(b.bytes.subarray(0, 7), b.bytes.subarray(7)))
        const chunks: Uint8Array[] = []
        for await (const c of store.get(b.cid)) chunks.push(c)
        assert.ok(Buffer.concat(chunks).equals(b.bytes), `${size} bytes`)
        await store.delete(b.cid)
      }
      assert.equal(store.repoSize - before, 4 * 262_144)
      // store() says whether it wrote: a block already held is neither written nor counted again
      const again = await block(20, 262_144)
      assert.equal(await store.store(again.cid, again.bytes), false)
      const fresh = await block(30, 1000)
      assert.equal(await store.store(fresh.cid, new Uint8ArrayList(fresh.bytes.subarray(0, 10), fresh.bytes.subarray(10))), true)
      assert.equal(store.repoSize - before, 4 * 262_144 + 1000)
      await store.close()
    })

    it(`reads a stored block back whole in one buffer, its size from its file, and refuses one it does not hold (${way})`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'sized-blockstore-'))
      dirs.push(dir)
      let store = new SizedBlockstore(join(dir, 'blocks'))
      if (way !== 'synchronously') store = throughThreadPool(store)
      await store.open()
      for (const size of [0, 1, 65_536, 65_537, 1_048_576 + 3]) {
        const b = await block(size % 200, size)
        await store.put(b.cid, b.bytes)
        const chunks: Uint8Array[] = []
        for await (const c of store.get(b.cid)) chunks.push(c)
        assert.equal(chunks.length, 1, `a block of ${size} bytes comes as one buffer`)
        assert.ok(Buffer.from(chunks[0]).equals(b.bytes))
        assert.equal(await store.byteSize(b.cid), size)
      }
      const absent = await block(300, 10)
      await assert.rejects(async () => { for await (const c of store.get(absent.cid)) void c }, (err: Error) => err instanceof NotFoundError)
      assert.equal(await store.byteSize(absent.cid), 0)
      const controller = new AbortController()
      controller.abort(new Error('stop'))
      await assert.rejects(async () => { for await (const c of store.get(absent.cid, { signal: controller.signal })) void c }, /stop/)
      await store.close()
    })
  }
})
