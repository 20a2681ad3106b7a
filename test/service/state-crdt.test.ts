// `cluster-service state crdt info | dot | mark-dirty | mark-clean` on a real peer folder:
// init + daemon, pins added and removed through cluster-ctl, daemon stopped, then the commands
// (refused while the daemon holds the lock). A store marked dirty is repaired at next start.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { NODE, SERVICE_BIN } from '../harness/paths.js'
import { startDaemon } from '../harness/daemon.js'
import { ctlOk } from '../harness/ctl.js'
import { parseStream, waitFor } from '../harness/wait.js'

function service (args: string[]): { code: number, stdout: string, stderr: string } {
  const r = spawnSync(NODE, [SERVICE_BIN, ...args], { encoding: 'utf8', timeout: 60_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

const INFO = /^Number of heads: (\d+)\. Current max-height: (\d+)\. Dirty: (true|false)\nHeads: \[([^\]]*)\]\n$/

function info (dir: string): { heads: string[], height: number, dirty: boolean } {
  const r = service(['--config', dir, 'state', 'crdt', 'info'])
  assert.equal(r.code, 0, r.stderr)
  const m = INFO.exec(r.stdout)
  assert.ok(m != null, r.stdout)
  const heads = m[4] === '' ? [] : m[4].split(' ')
  assert.equal(heads.length, Number(m[1]))
  return { heads, height: Number(m[2]), dirty: m[3] === 'true' }
}

test('state crdt info / dot / mark-dirty / mark-clean on a stopped peer', { timeout: 240_000 }, async () => {
  let d = await startDaemon()
  try {
    const cids = await Promise.all([1, 2, 3].map(async i =>
      CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`state crdt ${i} ${Date.now()}`))).toString()))
    for (const c of cids) await ctlOk(['pin', 'add', '--no-status', c], { host: d.apiMultiaddr })
    await ctlOk(['pin', 'rm', '--no-status', cids[0]], { host: d.apiMultiaddr })

    const locked = service(['--config', d.dir, 'state', 'crdt', 'info'])
    assert.equal(locked.code, 1, 'refused while the daemon runs')
    assert.match(locked.stderr, /lock/)
    assert.equal(await d.stop(), 0)

    // 4 operations, one delta each, in a line: one head at height 4
    const i1 = info(d.dir)
    assert.deepEqual([i1.heads.length, i1.height, i1.dirty], [1, 4, false])

    const dot = service(['--config', d.dir, 'state', 'crdt', 'dot'])
    assert.equal(dot.code, 0, dot.stderr)
    const lines = dot.stdout.split('\n')
    assert.equal(lines[0], 'digraph CRDTDAG {')
    assert.deepEqual(lines.slice(1, 4), ['subgraph heads {', i1.heads[0], '}'])
    assert.equal(lines.at(-2), '}')
    const labels = lines.filter(l => / \[label="/.test(l))
    assert.equal(labels.length, 4)
    // go-ds-crdt's label: "<priority> | <last 4 of cid>: +<elements> -<tombstones>", head first
    const head = i1.heads[0]
    assert.equal(labels[0], `${head} [label="4 | ${head.slice(-4)}: +0 -1"]`)
    assert.deepEqual(labels.map(l => /"(\d+) \|/.exec(l)?.[1]), ['4', '3', '2', '1'])
    assert.match(labels[3], /: \+1 -0"\]$/)
    assert.ok(lines.some(l => l.startsWith(`${head} -> {`) && l.endsWith(' }')))
    assert.ok(lines.includes(`subgraph sg_${head} {`))
    const file = join(d.dir, 'crdt.dot')
    assert.equal(service(['--config', d.dir, 'state', 'crdt', 'dot', '-f', file]).code, 0)
    assert.equal(readFileSync(file, 'utf8'), dot.stdout)

    const dirty = service(['--config', d.dir, 'state', 'crdt', 'mark-dirty'])
    assert.deepEqual([dirty.code, dirty.stdout], [0, 'Datastore marked \'dirty\'\n'])
    assert.equal(info(d.dir).dirty, true)
    const clean = service(['--config', d.dir, 'state', 'crdt', 'mark-clean'])
    assert.deepEqual([clean.code, clean.stdout], [0, 'Datastore marked \'clean\'\n'])
    assert.equal(info(d.dir).dirty, false)

    // dirty → the daemon repairs at start (go-ds-crdt runs repair immediately), then clean
    assert.equal(service(['--config', d.dir, 'state', 'crdt', 'mark-dirty']).code, 0)
    d = await d.restart()
    await waitFor(async () => /DAG repair finished/.test(d.log()) ? true : undefined)
    const pins = parseStream(await ctlOk(['--enc=json', 'pin', 'ls'], { host: d.apiMultiaddr }))
    assert.deepEqual(pins.map((p: any) => p.cid).sort(), cids.slice(1).sort(), 'the repair keeps the pinset')
    assert.equal(await d.stop(), 0)
    const i2 = info(d.dir)
    assert.deepEqual([i2.heads, i2.height, i2.dirty], [i1.heads, 4, false])
  } finally {
    await d.stop().catch(() => {})
    d.cleanup()
  }
})

test('state crdt --help lists the four commands', () => {
  const r = service(['state', 'crdt', '--help'])
  assert.equal(r.code, 0)
  for (const c of ['info', 'dot', 'mark-dirty', 'mark-clean']) assert.match(r.stdout, new RegExp(`^  ${c}`, 'm'))
})
