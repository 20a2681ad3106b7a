import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cidN, openStore, pinOf, quietLogger, tempDir, testConfig } from './helpers.js'
import { cleanupState, exportState, importState, openOfflineState } from '../../src/consensus/offline.js'
import { decodeStatePins, MalformedStateError } from '../../src/consensus/state-io.js'
import type { Pin } from '../../src/api/types.js'

async function * chunks (...parts: string[]): AsyncGenerator<string> {
  yield * parts
}

async function collect<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('crdt consensus: offline state commands', () => {
  it('export, import (replacing the state, one delta) and cleanup', async () => {
    const dir = await tempDir()
    try {
      let store = await openStore(dir.path)
      let state = await openOfflineState({ config: testConfig(), datastore: store, selfId: 'peerA', logger: quietLogger })
      await state.logPin(pinOf(cidN(1), 'old'))
      await state.logPin(pinOf(cidN(2), 'old'))
      const lines = await collect(exportState(state))
      assert.equal(lines.length, 2)
      assert.ok(lines.every(l => l.endsWith('}\n') && !l.slice(0, -1).includes('\n')))
      assert.deepEqual(lines.map(l => (JSON.parse(l) as Pin).cid).sort(), [cidN(1), cidN(2)].sort())

      const imported = [pinOf(cidN(3), 'new'), pinOf(cidN(4), 'new', { erasure: { manifest: cidN(9), data_shards: 4, parity_shards: 2, stripe: 0, shard: 5 } })]
      assert.equal(await importState(state, imported), 2)
      assert.deepEqual((await collect(state.list())).map(p => p.cid).sort(), [cidN(3), cidN(4)].sort())
      assert.deepEqual(await collect(state.list({ only: 'erasure' })), [imported[1]])
      assert.deepEqual(await collect(state.list({ only: 'expiring' })), [])
      assert.deepEqual(state.info().maxHeight, 1, 'the import is one delta on an empty DAG')
      assert.deepEqual(await state.get(cidN(4)), imported[1])
      await state.stop()
      await store.close()

      // the imported state is what a daemon finds at start
      store = await openStore(dir.path)
      state = await openOfflineState({ config: testConfig(), datastore: store, selfId: 'peerA', logger: quietLogger })
      assert.equal((await collect(state.list())).length, 2)
      await cleanupState(state)
      assert.equal((await collect(state.list())).length, 0)
      await state.stop()
      await store.close()
    } finally {
      await dir.remove()
    }
  })

  it('import reads pretty-printed and concatenated pins with Go zero values and overrides', async () => {
    const pretty = JSON.stringify({ cid: cidN(1), name: 'a {tricky} "name"', allocations: [], replication_factor_min: -1, replication_factor_max: -1 }, null, 2)
    const minimal = `{"cid": "${cidN(2)}"}`
    const split = pretty.slice(0, 10)
    const pins = await collect(decodeStatePins(chunks(split, pretty.slice(10) + '\n', minimal, '  \n')))
    assert.equal(pins.length, 2)
    assert.equal(pins[0].name, 'a {tricky} "name"')
    assert.equal(pins[0].replication_factor_min, -1)
    assert.equal(pins[1].type, 'bad-type')
    assert.equal(pins[1].max_depth, 0)
    assert.equal(pins[1].mode, 'direct')

    const over = await collect(decodeStatePins(chunks(minimal), { replicationMin: 2, replicationMax: 3, allocations: ['peerX'] }))
    assert.equal(over[0].replication_factor_min, 2)
    assert.equal(over[0].replication_factor_max, 3)
    assert.deepEqual(over[0].allocations, ['peerX'])

    await assert.rejects(collect(decodeStatePins(chunks('{"cid": "x"'))), MalformedStateError)
    await assert.rejects(collect(decodeStatePins(chunks('42'))), MalformedStateError)
    await assert.rejects(collect(decodeStatePins(chunks('{"cid": "notacid"}'))))
  })

  it('a failed import leaves the state untouched', async () => {
    const dir = await tempDir()
    const store = await openStore(dir.path)
    const state = await openOfflineState({ config: testConfig(), datastore: store, selfId: 'peerA', logger: quietLogger })
    try {
      await state.logPin(pinOf(cidN(1)))
      await assert.rejects(importState(state, decodeStatePins(chunks(`{"cid":"${cidN(2)}"} {"cid":`))), MalformedStateError)
      assert.deepEqual((await collect(state.list())).map(p => p.cid), [cidN(1)])
    } finally {
      await state.stop()
      await store.close()
      await dir.remove()
    }
  })
})
