// ecrecovery run right after two holders died, on 6 real daemons: their metrics are still valid
// (metric_ttl is 60 s here, 30 s by default), so the allocator still ranks them. Every lost
// shard must still go to a live peer, none to the other dead holder, and the report must carry
// no error; the file then reads back whole.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { startCluster } from '../harness/cluster.js'
import type { TestCluster } from '../harness/cluster.js'
import { ctlOk } from '../harness/ctl.js'
import { parseStream } from '../harness/wait.js'
import { ecAdd, shardsOf } from '../harness/erasure.js'

const CHUNK = 256 * 1024
let cluster: TestCluster

before(async () => {
  cluster = await startCluster(6, {
    configure: json => {
      for (const inf of Object.keys(json.informer ?? {})) json.informer[inf].metric_ttl = '60s'
    }
  })
  await cluster.waitMetric('freespace', 6, [cluster.peers[0]])
})
after(async () => { await cluster?.stopAll() })

test('ecrecovery right after two holders died places no shard on a dead peer', async () => {
  const P = cluster.peers
  const work = join(P[0].dir, 'work')
  mkdirSync(work)
  const content = randomBytes(16 * CHUNK + 777)
  const file = join(work, 'input')
  writeFileSync(file, content)
  // 2+2 with one chunk per shard: 9 stripes, each on 4 of the 6 peers
  const root = await ecAdd(P[0], ['--data-shards', '2', '--parity-shards', '2', '--shard-size', String(CHUNK), file])
  const shards = await shardsOf(P[0], root)
  const dead = [...new Set(shards.filter(s => s.stripe === 0).map(s => s.holder))].filter(h => h !== P[0].peerId).slice(0, 2)
  assert.equal(dead.length, 2)
  const lostBefore = shards.filter(s => dead.includes(s.holder))
  await Promise.all(P.filter(p => dead.includes(p.peerId)).map(async p => await p.stop()))

  const reports = parseStream(await ctlOk(['--enc=json', 'ecrecovery'], { host: P[0].apiMultiaddr, timeoutMs: 180_000 }))
  const mine = reports.find(r => r.cid === root)
  assert.ok(mine != null)
  assert.equal(mine.errors, undefined, `no error in the report: ${JSON.stringify(mine.errors)}`)
  const key = (s: { stripe: number, position?: number, shard?: number }): string => `${s.stripe}/${s.position ?? s.shard}`
  assert.deepEqual(mine.rebuilt.map(key).sort(), lostBefore.map(key).sort(), 'every shard of the dead holders rebuilt and placed')
  for (const r of mine.rebuilt) assert.ok(!dead.includes(r.holder), `stripe ${r.stripe} shard ${r.position} went to a dead peer`)

  // cluster state agrees, and no stripe has two shards on one peer
  const after = await shardsOf(P[0], root)
  assert.ok(after.every(s => !dead.includes(s.holder)), 'no shard pin allocated to a dead peer')
  for (const stripe of new Set(after.map(s => s.stripe))) {
    const holders = after.filter(s => s.stripe === stripe).map(s => s.holder)
    assert.equal(new Set(holders).size, holders.length, `stripe ${stripe}: one shard per peer`)
  }
  const out = join(work, 'out')
  await ctlOk(['ecget', root, '-o', out], { host: P[0].apiMultiaddr, timeoutMs: 180_000 })
  assert.ok(readFileSync(join(out, root)).equals(content))
})
