// The peer's level datastore: writes of one event-loop turn go to LevelDB as one batch in the
// order they were made, reads see staged writes at once, each writer's promise settles once its
// write is on disk, and everything staged is written before the store closes.
import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Key } from 'interface-datastore'
import { MemoryDatastore } from 'datastore-core'
import type { Datastore } from 'interface-datastore'
import { LevelStore, rangeOf } from '../../src/datastore/level-store.js'
import { PresenceFilter } from '../../src/datastore/presence-filter.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (b: Uint8Array): string => new TextDecoder().decode(b)

describe('LevelStore', () => {
  const dirs: string[] = []
  afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }) })

  async function open (dir?: string): Promise<{ store: LevelStore, dir: string }> {
    dir ??= await mkdtemp(join(tmpdir(), 'level-store-'))
    if (!dirs.includes(dir)) dirs.push(dir)
    const store = new LevelStore(dir)
    await store.open()
    return { store, dir }
  }

  it('rangeOf reads the entries under a prefix in key order, in batches, from LevelDB or any datastore', async () => {
    const { store } = await open()
    for (const ds of [store, new MemoryDatastore()] as Datastore[]) {
      const b = ds.batch()
      // 2,500 entries under /p/ (more than one batch), neighbours on both sides of the prefix
      for (let i = 0; i < 2500; i++) b.put(new Key(`/p/${String(i).padStart(5, '0')}`), bytes(`v${i}`))
      b.put(new Key('/o/x'), bytes('before'))
      b.put(new Key('/p0'), bytes('not under /p/'))
      b.put(new Key('/q/x'), bytes('after'))
      await b.commit()
      const keys: string[] = []
      let batches = 0
      for await (const batch of rangeOf(ds, '/p/')) {
        batches++
        for (const [key, value] of batch) {
          assert.equal(text(value), `v${Number(key.slice(3))}`)
          keys.push(key)
        }
      }
      assert.equal(keys.length, 2500)
      assert.deepEqual(keys, [...keys].sort())
      assert.equal(keys[0], '/p/00000')
      assert.equal(batches, 3)
      const stop = new AbortController()
      stop.abort()
      await assert.rejects(async () => { for await (const _ of rangeOf(ds, '/p/', { signal: stop.signal })) { /* aborted */ } })
    }
    await store.close()
  })

  it('reads a staged write at once; a range query sees it once written', async () => {
    const { store } = await open()
    const written = store.put(new Key('/a/1'), bytes('one'))
    assert.equal(text(await store.get(new Key('/a/1'))), 'one')
    assert.equal(await store.has(new Key('/a/1')), true)
    const before = []
    for await (const e of store.query({ prefix: '/a/' })) before.push(e.key.toString())
    assert.deepEqual(before, [], 'not on disk yet')
    await written
    const after = []
    for await (const e of store.query({ prefix: '/a/' })) after.push(e.key.toString())
    assert.deepEqual(after, ['/a/1'])
    await store.close()
  })

  it('keeps the order of writes made in one turn: the last write of a key wins', async () => {
    const { store, dir } = await open()
    const k = new Key('/k')
    const writes = [
      store.put(k, bytes('first')),
      store.delete(k),
      store.put(k, bytes('second')),
      store.put(new Key('/gone'), bytes('x')),
      store.delete(new Key('/gone'))
    ]
    assert.equal(text(await store.get(k)), 'second')
    await assert.rejects(store.get(new Key('/gone')), { name: 'NotFoundError' })
    await Promise.all(writes)
    await store.close()
    const { store: again } = await open(dir)
    assert.equal(text(await again.get(k)), 'second')
    assert.equal(await again.has(new Key('/gone')), false)
    await again.close()
  })

  it('writes a batch whole, after the writes staged before it', async () => {
    const { store, dir } = await open()
    const single = store.put(new Key('/b/1'), bytes('single'))
    const batch = store.batch()
    for (let i = 0; i < 1000; i++) batch.put(new Key(`/b/${i}`), bytes(`batch ${i}`))
    batch.delete(new Key('/b/999'))
    const committed = batch.commit()
    await Promise.all([single, committed])
    await store.close()
    const { store: again } = await open(dir)
    assert.equal(text(await again.get(new Key('/b/1'))), 'batch 1', 'the batch came after the single put')
    let n = 0
    for await (const _ of again.queryKeys({ prefix: '/b/' })) n++ // eslint-disable-line @typescript-eslint/no-unused-vars
    assert.equal(n, 999)
    await again.close()
  })

  it('writes what is staged when it closes', async () => {
    const { store, dir } = await open()
    for (let i = 0; i < 100; i++) void store.put(new Key(`/c/${i}`), bytes(String(i)))
    await store.close()
    const { store: again } = await open(dir)
    assert.equal(text(await again.get(new Key('/c/99'))), '99')
    await again.close()
  })

  it('rejects the writes of a failed group and forgets them', async () => {
    const { store } = await open()
    await store.put(new Key('/d'), bytes('kept'))
    const bad = store.put(new Key('/d'), bytes('lost'))
    const other = store.batch()
    other.put(new Key('/e'), bytes('same group'))
    const otherCommitted = other.commit() as Promise<void>
    const settled = Promise.allSettled([bad, otherCommitted])
    // LevelDB closed under the staged group: its batch fails
    await store.db.close()
    const [a, b] = await settled
    assert.ok(a.status === 'rejected' && a.reason.name === 'PutFailedError', 'the put fails')
    assert.ok(b.status === 'rejected' && /not open/.test(String(b.reason)), 'the batch in its group fails')
    await store.db.open()
    assert.equal(text(await store.get(new Key('/d'))), 'kept')
    assert.equal(await store.has(new Key('/e')), false)
    await store.put(new Key('/e'), bytes('later'))
    assert.equal(text(await store.get(new Key('/e'))), 'later')
    await store.close()
  })

  it('a filtered prefix: every key written before, while and after it is listed is read; keys never written skip LevelDB', async () => {
    const { store, dir } = await open()
    const b = store.batch()
    for (let i = 0; i < 3000; i++) b.put(new Key(`/f/stored-${i}`), bytes(`s${i}`))
    await b.commit()
    // staged but not yet in LevelDB when the listing starts, and staged while it runs
    const staged = store.put(new Key('/f/staged'), bytes('staged'))
    const listed = store.filterReads('/f/')
    const during = store.put(new Key('/f/during'), bytes('during'))
    await Promise.all([listed, staged, during])
    await store.put(new Key('/f/after'), bytes('after'))
    await store.delete(new Key('/f/stored-7'))
    await store.put(new Key('/g/outside'), bytes('outside'))

    for (const k of ['/f/stored-0', '/f/stored-2999', '/f/staged', '/f/during', '/f/after', '/g/outside']) {
      assert.equal(await store.has(new Key(k)), true, k)
    }
    assert.equal(text(await store.get(new Key('/f/stored-1234'))), 's1234')
    assert.equal(await store.has(new Key('/f/stored-7')), false)
    assert.equal(await store.has(new Key('/g/absent')), false)

    // with LevelDB closed, absent keys under the prefix are still answered: from memory
    await store.db.close()
    let fromMemory = 0
    for (let i = 0; i < 1000; i++) {
      try {
        if (store.find(new Key(`/f/absent-${i}`)) === undefined) fromMemory++
      } catch { /* a "maybe" of the filter: LevelDB was asked */ }
    }
    assert.ok(fromMemory >= 980, `${fromMemory} of 1000 absent keys answered from memory`)
    assert.throws(() => store.find(new Key('/f/stored-1')), /GetFailedError|not open/)
    assert.throws(() => store.find(new Key('/g/absent')), /GetFailedError|not open/)
    await store.db.open()
    await store.close()

    // reopened, the prefix is listed again
    const { store: again } = await open(dir)
    await again.filterReads('/f/')
    assert.equal(text(await again.get(new Key('/f/during'))), 'during')
    assert.equal(await again.has(new Key('/f/stored-7')), false)
    await again.close()
  })
})

describe('PresenceFilter', () => {
  it('never forgets a key, across its layers, and answers "maybe" for few absent ones', () => {
    const filter = new PresenceFilter()
    const n = 100_000
    for (let i = 0; i < n; i++) filter.add(`/cluster-pins/p/bafkrei${i.toString(36)}`)
    assert.equal(filter.size, n)
    for (let i = 0; i < n; i++) assert.ok(filter.mightContain(`/cluster-pins/p/bafkrei${i.toString(36)}`), `key ${i}`)
    let maybe = 0
    for (let i = 0; i < n; i++) if (filter.mightContain(`/cluster-pins/p/bafyrei${i.toString(36)}`)) maybe++
    assert.ok(maybe < n * 0.02, `${maybe} of ${n} absent keys answered "maybe"`)
  })
})
