// cluster-ctl (the real bin) against a real cluster-service daemon started by the harness.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDaemon } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { runCtl, ctlOk } from '../harness/ctl.js'

let d: DaemonHandle
let dir: string

before(async () => {
  d = await startDaemon()
  dir = await mkdtemp(join(tmpdir(), 'ctl-e2e-'))
  await mkdir(join(dir, 'd', 'sub'), { recursive: true })
  await writeFile(join(dir, 'd', 'a.txt'), 'hello\n')
  await writeFile(join(dir, 'd', 'sub', 'b.txt'), 'world\n')
  await writeFile(join(dir, 'd', '.hidden'), 'h\n')
  await writeFile(join(dir, 'big.bin'), randomBytes(3 * 1024 * 1024 + 17))
})

after(async () => {
  await d?.stop()
  d?.cleanup()
  if (dir != null) await rm(dir, { recursive: true, force: true })
})

const ctl = async (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> => await runCtl(args, { host: d.apiMultiaddr })

test('id, peers ls, version, health graph/metrics, ipfs gc', async () => {
  const id = await ctlOk(['id'], { host: d.apiMultiaddr })
  assert.match(id, new RegExp(`^${d.peerId} \\| \\S+ \\| Sees 0 other peers\\n  > Addresses:\\n`))
  const peers = JSON.parse(await ctlOk(['--enc=json', 'peers', 'ls'], { host: d.apiMultiaddr }))
  assert.equal(peers.id, d.peerId)
  assert.equal(await ctlOk(['version'], { host: d.apiMultiaddr }), '1.1.6\n')
  const dot = await ctlOk(['health', 'graph'], { host: d.apiMultiaddr })
  assert.ok(dot.startsWith('digraph cluster {\n'))
  assert.ok(dot.includes('C0 -> I0'))
  const names = (await ctlOk(['health', 'metrics'], { host: d.apiMultiaddr })).split('\n')
  assert.ok(names.includes('freespace') && names.includes('ping'))
  const fs = await ctlOk(['health', 'metrics', 'freespace'], { host: d.apiMultiaddr })
  assert.match(fs, new RegExp(`^${d.peerId} \\| freespace: [0-9.]+ (G|M|k)B \\| Expires in: [0-9]+ seconds from now`))
  const gc = await ctl(['ipfs', 'gc', '--local'])
  assert.equal(gc.code, 0, gc.stdout + gc.stderr)
  assert.match(gc.stdout, /\n {2}> CIDs:\n/)
})

test('add: files, directories, hidden files, quiet modes, JSON array; then pin ls/status', async () => {
  const one = await ctlOk(['add', join(dir, 'd', 'a.txt')], { host: d.apiMultiaddr })
  assert.match(one, /^added Qm\w+ a\.txt\n$/)
  // upstream's default pin name without --name is empty (the file name is only in the output)
  const oneCid = one.split(' ')[1]
  assert.equal(JSON.parse(await ctlOk(['--enc=json', 'pin', 'ls', oneCid], { host: d.apiMultiaddr })).name, '')
  assert.match(await ctlOk(['pin', 'ls', oneCid], { host: d.apiMultiaddr }), new RegExp(`^${oneCid} \\|  \\| PIN \\| `))
  const tree = (await ctlOk(['add', '-r', join(dir, 'd')], { host: d.apiMultiaddr })).trim().split('\n')
  assert.deepEqual(tree.map(l => l.split(' ')[2]), ['d/a.txt', 'd/sub/b.txt', 'd/sub', 'd'])
  const hidden = (await ctlOk(['add', '-r', '-H', '-q', join(dir, 'd')], { host: d.apiMultiaddr })).trim().split('\n')
  assert.equal(hidden.length, 5)
  assert.notEqual(hidden.at(-1), tree.at(-1)?.split(' ')[1], 'the hidden file changes the root')
  const dirErr = await ctl(['add', join(dir, 'd')])
  assert.equal(dirErr.code, 1)
  assert.match(dirErr.stderr, /is a directory, but Recursive option is not set/)

  const arr = JSON.parse(await ctlOk(['--enc=json', 'add', '--no-stream', '--name', 'big', join(dir, 'big.bin')], { host: d.apiMultiaddr }))
  assert.equal(arr.length, 1)
  assert.equal(arr[0].name, 'big.bin')
  const cid: string = arr[0].cid
  const q = await ctlOk(['add', '-Q', '--cid-version', '1', '--wait', join(dir, 'big.bin')], { host: d.apiMultiaddr })
  assert.match(q, /^baf\w+\n$/)

  const ls = await ctlOk(['pin', 'ls', cid], { host: d.apiMultiaddr })
  assert.match(ls, new RegExp(`^${cid} \\| big \\| PIN \\| Repl. Factor: `))
  const st = await ctlOk(['status', cid], { host: d.apiMultiaddr })
  assert.match(st, new RegExp(`^${cid} \\| big:\\n    > \\S+ +: PINNED \\| `))
  const all = await ctlOk(['--enc=json', 'status', '--filter', 'pinned'], { host: d.apiMultiaddr })
  assert.ok(all.includes(`"cid": "${cid}"`))
})

test('pin add / update / rm with --wait and --no-status; API errors exit 2', async () => {
  const cid = (await ctlOk(['add', '-Q', '--no-pin', join(dir, 'd', 'sub', 'b.txt')], { host: d.apiMultiaddr })).trim()
  const added = await ctlOk(['pin', 'add', '--wait', '--wait-timeout', '30s', '-n', 'pinned-by-ctl', '--metadata', 'k=v', '--expire-in', '1h', cid], { host: d.apiMultiaddr })
  assert.match(added, new RegExp(`^${cid} \\| pinned-by-ctl:\\n    > \\S+ +: PINNED`))
  const pin = JSON.parse(await ctlOk(['--enc=json', 'pin', 'ls', cid], { host: d.apiMultiaddr }))
  assert.deepEqual(pin.metadata, { k: 'v' })
  assert.ok(Date.parse(pin.expire_at) > Date.now() + 3500_000)
  const text = await ctlOk(['pin', 'ls', cid], { host: d.apiMultiaddr })
  assert.match(text, /\| Metadata: yes \| Exp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \|/)

  const other = (await ctlOk(['add', '-Q', '--no-pin', join(dir, 'd', 'a.txt')], { host: d.apiMultiaddr })).trim()
  const upd = JSON.parse(await ctlOk(['--enc=json', 'pin', 'update', '--no-status', cid, other], { host: d.apiMultiaddr }))
  assert.equal(upd.cid, other)
  assert.equal(upd.name, 'pinned-by-ctl')

  const rm1 = await ctlOk(['pin', 'rm', '--wait', cid], { host: d.apiMultiaddr })
  assert.match(rm1, /: UNPINNED \|/)
  const again = await ctl(['pin', 'rm', cid])
  assert.equal(again.code, 2)
  assert.equal(again.stdout, 'An error occurred:\n  Code: 404\n  Message: pin is not part of the pinset\n')
  const bad = await ctl(['pin', 'add', 'not-a-cid'])
  assert.equal(bad.code, 1)
  const rec = await ctl(['recover', other])
  assert.equal(rec.code, 0, rec.stdout)
  assert.match(rec.stdout, new RegExp(`^${other}`))
})

test('fail-over to the second --host and connection errors', async () => {
  const r = await runCtl(['version'], { host: `/ip4/127.0.0.1/tcp/1,${d.apiMultiaddr}` })
  assert.deepEqual([r.code, r.stdout], [0, '1.1.6\n'])
  const down = await runCtl(['id'], { host: '/ip4/127.0.0.1/tcp/1' })
  assert.equal(down.code, 1)
  assert.match(down.stdout, /Code: 0\n/)
})
