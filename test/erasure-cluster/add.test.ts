// add --erasure end to end on 6 real daemons driven by the real cluster-ctl: output lines, the
// pins of an EC file (types, allocations, distinct holders per stripe), holders pinning their
// shards, storage overhead, small inputs replicated, directories, every validation error
// (400 before anything is stored) and pin rm of the whole file. One cluster for the file.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startCluster } from '../harness/cluster.js'
import type { TestCluster } from '../harness/cluster.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { ctlOk, runCtl } from '../harness/ctl.js'
import { parseStream, waitFor } from '../harness/wait.js'

const K = 1024
const CHUNK = 256 * K
let cluster: TestCluster
let P: DaemonHandle[]
let dir: string

before(async () => {
  cluster = await startCluster(6)
  P = cluster.peers
  dir = join(P[0].dir, 'inputs')
  mkdirSync(dir)
})
after(async () => { await cluster?.stopAll() })

function seq (n: number): string {
  let s = ''
  for (let i = 1; i <= n; i++) s += `${i}\n`
  return s
}

function writeInput (name: string, content: string | Uint8Array): string {
  const file = join(dir, name)
  writeFileSync(file, content)
  return file
}

/**
 * Waits until `d` sees all 6 peers live and can reach each of them: on a loaded machine a ping
 * may expire now and then, and a peer met only through gossip is dialable only once peer
 * exchange taught `d` its addresses. An add with d+p = 6 needs all of them.
 */
async function allLive (d: DaemonHandle): Promise<void> {
  await cluster.waitPeerset(6, [d])
  await waitFor(async () => {
    const ids = parseStream(await ctlOk(['--enc=json', 'peers', 'ls'], { host: d.apiMultiaddr }))
    return ids.length === 6 && ids.every(i => i.error == null || i.error === '') ? true : undefined
  }, 60_000)
}

async function ecAdd (args: string[], d = P[0]): Promise<any[]> {
  await allLive(d)
  return parseStream(await ctlOk(['--enc=json', 'add', '--erasure', ...args], { host: d.apiMultiaddr, timeoutMs: 120_000 }))
}

async function allPins (d = P[1]): Promise<any[]> {
  return parseStream(await ctlOk(['--enc=json', 'pin', 'ls'], { host: d.apiMultiaddr }))
}

/** The pins of the EC file as `d` sees them (the adding peer: others see them a bit later). */
async function filePins (metaCid: string, d = P[0]): Promise<{ meta: any, manifest: any, tree: any, shards: any[] }> {
  const pins = await allPins(d)
  const meta = pins.find(p => p.cid === metaCid)
  assert.ok(meta != null, 'meta pin listed')
  const m = meta.erasure?.manifest
  const mine = pins.filter(p => p.erasure?.manifest === m)
  return {
    meta,
    manifest: mine.find(p => p.cid === m),
    tree: mine.find(p => p.type === 'shard-pin' && p.erasure.stripe == null),
    shards: mine.filter(p => p.type === 'shard-pin' && p.erasure.stripe != null)
  }
}

function shardLines (out: any[]): any[] {
  return out.filter(o => /-s\d+-(data|parity)\d+$/.test(o.name))
}

/** Checks the pins of an EC file against the contract; returns its shard pins. */
async function checkEcFile (root: any, name: string, d: number, p: number, stripes: number[], host = P[0]): Promise<any[]> {
  const f = await filePins(root.cid, host)
  const M = f.meta.erasure.manifest
  assert.equal(f.meta.type, 'meta-pin')
  assert.equal(f.meta.reference, M)
  assert.deepEqual(f.meta.allocations ?? [], [])
  assert.equal(f.meta.name, name)
  assert.deepEqual({ d: f.meta.erasure.data_shards, p: f.meta.erasure.parity_shards }, { d, p })
  assert.equal(f.manifest.type, 'clusterdag-pin')
  assert.equal(f.manifest.reference, root.cid)
  assert.equal(f.manifest.replication_factor_min, -1)
  assert.equal(f.manifest.name, `${name}-manifest`)
  assert.equal(f.tree.type, 'shard-pin')
  assert.equal(f.tree.name, `${name}-tree`)
  assert.equal(f.tree.max_depth, 1)
  assert.equal(new Set(f.tree.allocations).size, p + 1)
  // stripes[s] = data shards of stripe s
  assert.equal(f.shards.length, stripes.reduce((n, bd) => n + bd + p, 0))
  for (const [s, bd] of stripes.entries()) {
    const mine = f.shards.filter(x => x.erasure.stripe === s)
    assert.deepEqual(mine.map(x => x.erasure.shard).sort((a, b) => a - b), [...Array(bd).keys(), ...Array.from({ length: p }, (_, j) => d + j)])
    const holders = mine.map(x => { assert.equal(x.allocations.length, 1); return x.allocations[0] })
    assert.equal(new Set(holders).size, holders.length, `stripe ${s}: every shard on a distinct peer`)
    for (const x of mine) {
      assert.equal(x.replication_factor_min, 1)
      assert.equal(x.max_depth, 1)
      assert.equal(x.reference, M)
      const kind = x.erasure.shard < d ? 'data' : 'parity'
      const index = kind === 'data' ? x.erasure.shard : x.erasure.shard - d
      assert.equal(x.name, `${name}-s${s}-${kind}${index}`)
    }
  }
  return f.shards
}

async function waitHoldersPinned (pins: any[]): Promise<void> {
  for (const pin of pins) {
    await waitFor(async () => {
      const gpi = JSON.parse(await ctlOk(['--enc=json', 'status', pin.cid], { host: P[2].apiMultiaddr }))
      return pin.allocations.every((h: string) => gpi.peer_map[h]?.status === 'pinned') ? true : undefined
    }, 60_000)
  }
}

test('a 1.5 MB file: shard lines, pins on distinct peers, holders pin, ~1.5x storage', async () => {
  const content = seq(250000)
  const file = writeInput('seqfile', content)
  const out = await ecAdd(['--shard-size', '512000', file])
  const root = out[out.length - 1]
  assert.equal(root.name, 'seqfile')
  // 512000 is rounded down to whole 256 KiB chunks: 7 data shards in 2 stripes of d=4
  const shards = shardLines(out)
  assert.equal(shards.length, 4 + 2 + 3 + 2)
  for (const s of shards) {
    assert.equal(s.allocations.length, 1)
    assert.ok(s.bytes <= CHUNK)
  }
  assert.ok(out.some(o => o.name === 'seqfile-manifest'))
  assert.ok(out.some(o => o.name === 'seqfile-tree' && o.allocations.length === 3))
  const dataBytes = shards.filter(s => s.name.includes('-data')).reduce((n, s) => n + s.bytes, 0)
  const parityBytes = shards.filter(s => s.name.includes('-parity')).reduce((n, s) => n + s.bytes, 0)
  assert.equal(dataBytes, content.length)
  const ratio = (dataBytes + parityBytes) / content.length
  assert.ok(ratio > 1.4 && ratio < 1.7, `stored ${ratio}x`)

  await allLive(P[3])
  const text = await ctlOk(['add', '--erasure', '--shard-size', '512000', '--name', 'again', file], { host: P[3].apiMultiaddr })
  assert.match(text, /^added \S+ again-s0-data0$/m)
  assert.match(text, /^added \S+ again-manifest$/m)
  assert.match(text, new RegExp(`added ${root.cid as string} seqfile\n$`))

  const pins = await checkEcFile(root, 'again', 4, 2, [4, 3], P[3])
  const f = await filePins(root.cid, P[3])
  await waitHoldersPinned([...pins, f.tree])
  // every peer pins the manifest
  await waitHoldersPinned([{ cid: f.manifest.cid, allocations: P.map(d => d.peerId) }])
  // the earlier add of the same content was replaced, not left orphaned
  assert.equal((await allPins(P[3])).filter(p => p.name?.startsWith('seqfile')).length, 0)
})

test('tiny inputs are replicated p+1 times instead', async () => {
  for (const [name, content] of [['empty', ''], ['one', 'x']] as const) {
    const out = await ecAdd([writeInput(name, content)])
    assert.equal(out.length, 1)
    const root = out[0]
    assert.equal(root.allocations.length, 3)
    const pin = (await allPins(P[0])).find(p => p.cid === root.cid)
    assert.equal(pin.type, 'pin')
    assert.equal(pin.replication_factor_min, 3)
    assert.equal(pin.erasure, undefined)
    await waitHoldersPinned([pin])
  }
})

test('d = 1 never pays off: replicated p+1 times, block by block', async () => {
  const out = await ecAdd(['--data-shards', '1', '--parity-shards', '2', '--shard-size', String(CHUNK), writeInput('d1', seq(100000))])
  assert.equal(out.length, 1)
  const pin = (await allPins(P[0])).find(p => p.cid === out[0].cid)
  assert.equal(pin.type, 'pin')
  assert.equal(pin.allocations.length, 3)
  await waitHoldersPinned([pin])
})

test('a failure before the pins are committed leaves nothing pinned', async () => {
  const file = writeInput('plain', seq(260000))
  // raw leaves, as an erasure add forces them: the same content root
  const cid = (await ctlOk(['add', '-Q', '--raw-leaves', file], { host: P[0].apiMultiaddr })).trim()
  const before = (await allPins(P[0])).length
  await allLive(P[0])
  const r = await runCtl(['add', '--erasure', '--shard-size', String(CHUNK), file], { host: P[0].apiMultiaddr })
  assert.equal(r.code, 2)
  assert.match(r.stdout, new RegExp(`${cid} is already pinned as a pin: pin rm it first`))
  assert.equal((await allPins(P[0])).length, before)
  await ctlOk(['pin', 'rm', '--no-status', cid], { host: P[0].apiMultiaddr })
})

test('exactly d x shard-size bytes: one full stripe', async () => {
  const bytes = new Uint8Array(4 * CHUNK)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251
  const out = await ecAdd(['--shard-size', String(CHUNK), writeInput('exact', bytes)])
  const shards = shardLines(out)
  assert.equal(shards.length, 6)
  assert.ok(shards.every(s => s.bytes === CHUNK))
  await checkEcFile(out[out.length - 1], 'exact', 4, 2, [4])
})

test('the automatic shard size fills whole stripes', async () => {
  // 3 MiB + 5 → ceil(size/4) rounded up to chunks = 1 MiB shards: one stripe of 4 data shards
  const file = writeInput('auto', 'a'.repeat(3 * 1024 * K + 5))
  const out = await ecAdd(['--data-shards', '4', '--parity-shards', '1', file])
  assert.equal(shardLines(out).length, 5)
})

test('a directory with -r', async () => {
  const d = join(dir, 'tree')
  mkdirSync(join(d, 'sub'), { recursive: true })
  writeFileSync(join(d, 'a.txt'), seq(120000))
  writeFileSync(join(d, 'sub', 'b.txt'), seq(90000))
  writeFileSync(join(d, 'sub', 'c.txt'), 'small\n')
  const out = await ecAdd(['-r', '--data-shards', '3', '--parity-shards', '2', '--shard-size', String(CHUNK), d])
  const root = out[out.length - 1]
  assert.equal(root.name, 'tree')
  assert.ok(out.some(o => o.name === 'tree/sub/b.txt'))
  const total = seq(120000).length + seq(90000).length + 6
  const dataShards = Math.ceil(total / CHUNK) // the small file's leaf may share a shard
  assert.ok(shardLines(out).filter(s => s.name.includes('-data')).length <= dataShards + 1)
  const f = await filePins(root.cid)
  assert.equal(f.meta.erasure.data_shards, 3)
  assert.equal(f.tree.allocations.length, 3)
})

test('validation errors are 400s before anything is stored', async () => {
  const before = (await allPins(P[0])).length
  const file = writeInput('v', seq(50000))
  const cases: Array<[string[], RegExp]> = [
    [['--parity-shards', '300'], /data shards \+ parity shards must be <= 256/],
    [['--shard-size', '1000'], /shard size 1000 is smaller than the chunk size 262144/],
    [['--shard-size', String(1024 * 1024 * 1024)], /shard size 1073741824 is larger than the maximum/],
    [['--chunker', 'size-1000', '--shard-size', '500'], /smaller than the chunk size 1000/],
    [['--format', 'car'], /--format car cannot be combined with --erasure/],
    [['--data-shards', '5', '--parity-shards', '2'], /not enough live peers for 5\+2 shards: 6 live, need 7; lower --data-shards\/--parity-shards or start more peers/]
  ]
  for (const [args, msg] of cases) {
    await allLive(P[0])
    const r = await runCtl(['add', '--erasure', ...args, file], { host: P[0].apiMultiaddr })
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout} ${r.stderr}`)
    assert.match(r.stdout, /Code: 400/)
    assert.match(r.stdout, msg)
  }
  // d = 0 is refused by cluster-ctl itself; the daemon refuses it too
  const res = await fetch(`${P[0].apiUrl}/add?erasure=true&data-shards=0&parity-shards=2`, {
    method: 'POST',
    headers: { 'Content-Type': 'multipart/form-data; boundary=xyz' },
    body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="f"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n--xyz--\r\n'
  })
  assert.equal(res.status, 400)
  assert.match(await res.text(), /set data-shards to at least 1/)
  assert.equal((await allPins(P[0])).length, before)
})

test('pin rm of the content root removes meta, manifest, tree and shard pins', async () => {
  const out = await ecAdd(['--shard-size', String(CHUNK), writeInput('gone', seq(200000))])
  const root = out[out.length - 1]
  const f = await filePins(root.cid)
  const cids = [root.cid, f.manifest.cid, f.tree.cid, ...f.shards.map(s => s.cid)]
  await ctlOk(['pin', 'rm', '--no-status', root.cid], { host: P[4].apiMultiaddr })
  await waitFor(async () => {
    const left = (await allPins()).filter(p => cids.includes(p.cid))
    return left.length === 0 ? true : undefined
  }, 30_000)
})
