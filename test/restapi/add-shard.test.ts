// /add?shard=true (upstream's sharded, non-erasure DAG) is refused with a 400 that says to use
// --erasure, never silently turned into a plain pin (issue 11): through the REST API of a real
// daemon and through the real cluster-ctl (`add --shard`).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDaemon } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { runCtl } from '../harness/ctl.js'

let d: DaemonHandle
const tmp = mkdtempSync(join(tmpdir(), 'add-shard-'))

before(async () => { d = await startDaemon() })
after(async () => {
  await d?.stop()
  d?.cleanup()
  rmSync(tmp, { recursive: true, force: true })
})

function multipart (content: string): { body: string, type: string } {
  const boundary = 'b0undary'
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n` +
    `Content-Type: application/octet-stream\r\n\r\n${content}\r\n--${boundary}--\r\n`
  return { body, type: `multipart/form-data; boundary=${boundary}` }
}

async function pinCount (): Promise<number> {
  const r = await fetch(`${d.apiUrl}/allocations`)
  const text = await r.text()
  return text.trim() === '' ? 0 : text.trim().split('\n').length
}

test('POST /add?shard=true: 400 with an upstream error body naming --erasure, nothing pinned', async () => {
  for (const extra of ['', '&stream-channels=false', '&shard-size=1048576']) {
    const { body, type } = multipart(`sharded ${extra}`)
    const r = await fetch(`${d.apiUrl}/add?shard=true${extra}`, { method: 'POST', body, headers: { 'content-type': type } })
    assert.equal(r.status, 400, extra)
    const j = await r.json() as { code: number, message: string }
    assert.equal(j.code, 400)
    assert.match(j.message, /shard=true\) is not supported/)
    assert.match(j.message, /--erasure/)
  }
  assert.equal(await pinCount(), 0)
  // shard=false and a plain add still work
  const { body, type } = multipart('plain')
  const ok = await fetch(`${d.apiUrl}/add?shard=false&stream-channels=false`, { method: 'POST', body, headers: { 'content-type': type } })
  assert.equal(ok.status, 200)
  assert.equal((await ok.json() as unknown[]).length, 1)
})

test('cluster-ctl add --shard exits non-zero with the message', async () => {
  const file = join(tmp, 'f.txt')
  writeFileSync(file, 'cluster-ctl --shard\n')
  const before = await pinCount()
  const r = await runCtl(['add', '--shard', file], { host: d.apiMultiaddr })
  assert.notEqual(r.code, 0)
  assert.match(r.stdout + r.stderr, /Code: 400/)
  assert.match(r.stdout + r.stderr, /sharding \(shard=true\) is not supported by this cluster: use --erasure/)
  assert.equal(await pinCount(), before)
  const j = await runCtl(['--enc=json', 'add', '--shard', file], { host: d.apiMultiaddr })
  assert.notEqual(j.code, 0)
  assert.equal(JSON.parse(j.stdout).code, 400)
})
