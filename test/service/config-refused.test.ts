// Config that cannot be honoured is refused (issue 11): a datastore.pebble / badger / badger3
// section or consensus.raft makes `cluster-service daemon` (and the state commands) exit 1 with
// what is supported and how to migrate; the migration it describes works.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { NODE, SERVICE_BIN } from '../harness/paths.js'

function service (args: string[], input = ''): { code: number, stdout: string, stderr: string } {
  const r = spawnSync(NODE, [SERVICE_BIN, ...args], { encoding: 'utf8', input, timeout: 60_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

function withPeer (fn: (dir: string, edit: (f: (json: any) => void) => void) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'svc-refused-'))
  try {
    const init = service(['--config', dir, 'init', '--randomports'])
    assert.equal(init.code, 0, init.stderr)
    const file = join(dir, 'service.json')
    fn(dir, f => {
      const json = JSON.parse(readFileSync(file, 'utf8'))
      f(json)
      writeFileSync(file, JSON.stringify(json, null, 2))
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const PIN = 'QmbrCtydGyPeHiLURSPMqrvE5mCgMCwFYq3UD4XLCeAYw6'

test('datastore.pebble / badger / badger3: daemon and state commands exit 1 with how to migrate', () => {
  for (const name of ['pebble', 'badger', 'badger3']) {
    withPeer((dir, edit) => {
      edit(json => { json.datastore = { [name]: { folder: name } } })
      const r = service(['--config', dir, 'daemon'])
      assert.equal(r.code, 1, r.stderr)
      assert.match(r.stderr, new RegExp(`^error: .*service\\.json: datastore "${name}" \\(section datastore\\.${name}\\) is not supported by this peer; supported: datastore\\.leveldb`))
      assert.match(r.stderr, /state export/)
      assert.match(r.stderr, /state import/)
      assert.ok(!existsSync(join(dir, 'leveldb')), 'no leveldb store created')
      const st = service(['--config', dir, 'state', 'export'])
      assert.equal(st.code, 1)
      assert.match(st.stderr, /not supported by this peer/)

      // the migration the message describes: leveldb section, then state import
      edit(json => { json.datastore = { leveldb: {} } })
      const pins = `{"cid":"${PIN}","name":"migrated","allocations":[],"replication_factor_min":-1,"replication_factor_max":-1}\n`
      const imp = service(['--config', dir, 'state', 'import', '-f'], pins)
      assert.equal(imp.code, 0, imp.stderr)
      const out = service(['--config', dir, 'state', 'export'])
      assert.equal(out.code, 0, out.stderr)
      assert.equal(JSON.parse(out.stdout).name, 'migrated')
    })
  }
})

test('consensus.raft: daemon exits 1 saying crdt is supported and how to migrate', () => {
  withPeer((dir, edit) => {
    edit(json => { json.consensus = { raft: { init_peerset: [], wait_for_leader_timeout: '15s' } } })
    const r = service(['--config', dir, 'daemon'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /consensus "raft" \(section consensus\.raft\) is not supported by this peer; supported: consensus\.crdt/)
    assert.match(r.stderr, /ipfs-cluster-service state export/)
    assert.match(r.stderr, /cluster-service state import/)
    assert.match(r.stderr, /Every peer of the cluster must move to crdt/)
    // both sections (raft next to crdt) are refused too: raft would be silently ignored
    edit(json => { json.consensus = { crdt: { cluster_name: 'ipfs-cluster', trusted_peers: ['*'] }, raft: {} } })
    const both = service(['--config', dir, 'daemon'])
    assert.equal(both.code, 1)
    assert.match(both.stderr, /consensus "raft"/)
  })
})

test('datastore.leveldb.leveldb_options: goleveldb names are used; a bad value stops the peer with its name', () => {
  withPeer((dir, edit) => {
    // small caches, write buffer and tables: the state still takes and gives back every pin
    edit(json => { json.datastore = { leveldb: { leveldb_options: { write_buffer: 65536, compaction_table_size: 65536, block_cache_capacity: 1048576, compression: 1 } } } })
    const cidOf = (i: number): string => CID.create(1, raw.code, identity.digest(new TextEncoder().encode(`pin ${i}`))).toString()
    const lines = Array.from({ length: 3000 }, (_, i) => `{"cid":"${cidOf(i)}","name":"p${i}","allocations":[],"replication_factor_min":-1,"replication_factor_max":-1}\n`)
    const imp = service(['--config', dir, 'state', 'import', '-f'], lines.join(''))
    assert.equal(imp.code, 0, imp.stderr)
    const out = service(['--config', dir, 'state', 'export'])
    assert.equal(out.code, 0, out.stderr)
    assert.equal(out.stdout.trim().split('\n').length, 3000)

    edit(json => { json.datastore.leveldb.leveldb_options = { write_buffer: 'big' } })
    const bad = service(['--config', dir, 'daemon'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /write_buffer/)
  })
})
