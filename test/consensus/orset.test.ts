import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import * as dagCbor from '@ipld/dag-cbor'
import type { LevelStore } from '../../src/datastore/level-store.js'
import { encodeDelta } from '../../src/consensus/delta.js'
import type { Delta } from '../../src/consensus/delta.js'
import { CrdtKeys } from '../../src/consensus/keys.js'
import { ORSet } from '../../src/consensus/orset.js'
import { openStore, tempDir } from './helpers.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (b: Uint8Array | undefined): string | undefined => b === undefined ? undefined : new TextDecoder().decode(b)

describe('crdt OR-set: stored elements', () => {
  let dir: { path: string, remove: () => Promise<void> }
  let ds: LevelStore
  let set: ORSet
  const keys = new CrdtKeys('/c')

  beforeEach(async () => {
    dir = await tempDir()
    ds = await openStore(dir.path)
    set = new ORSet(ds, keys)
  })

  afterEach(async () => {
    await ds.close()
    await dir.remove()
  })

  /** Stores a delta's block, as the DAG does, and merges it; returns its id. */
  async function mergeStored (delta: Delta): Promise<string> {
    const block = await encodeDelta(delta)
    const batch = ds.batch()
    batch.put(keys.block(block.cid), block.bytes)
    await set.merge(delta, block.cid, batch)
    await batch.commit()
    return block.cid
  }

  const put = (key: string, value: string, priority: number): Delta => ({ elements: [{ key, value: bytes(value) }], tombstones: [], priority, links: [] })

  it('an element is stored without its value; when the visible one is tombstoned, the next is read from its block', async () => {
    const a = await mergeStored(put('k', 'aaa', 1))
    const b = await mergeStored(put('k', 'bbb', 1))
    assert.equal(text(await set.get('k')), 'bbb')
    const element = dagCbor.decode(await ds.get(keys.element('k', a))) as Record<string, unknown>
    assert.deepEqual(element, { priority: 1 })

    await mergeStored({ elements: [], tombstones: [{ key: 'k', id: b }], priority: 2, links: [] })
    assert.equal(text(await set.get('k')), 'aaa')
  })

  it('elements stored with their value (earlier versions) are read as they are', async () => {
    // two live elements of one key, written the old way, and no block for either
    await ds.put(keys.element('k', 'old1'), dagCbor.encode({ priority: 3, value: bytes('xyz') }))
    await ds.put(keys.element('k', 'old2'), dagCbor.encode({ priority: 3, value: bytes('zzz') }))
    await ds.put(keys.value('k'), bytes('zzz'))
    await mergeStored({ elements: [], tombstones: [{ key: 'k', id: 'old2' }], priority: 4, links: [] })
    assert.equal(text(await set.get('k')), 'xyz')
  })

  it('a live element whose block is missing fails the merge and changes nothing', async () => {
    const a = await mergeStored(put('k', 'aaa', 1))
    const b = await mergeStored(put('k', 'bbb', 1))
    await ds.delete(keys.block(a))
    const tombstone: Delta = { elements: [], tombstones: [{ key: 'k', id: b }], priority: 2, links: [] }
    await assert.rejects(mergeStored(tombstone), /is not stored/)
    assert.equal(text(await set.get('k')), 'bbb')
  })
})
