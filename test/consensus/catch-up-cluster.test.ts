// Catch-up with real daemons: a peer stopped while thousands of pins are added, restarted and
// killed in the middle of its catch-up, restarted again, ends with the same `state export` as
// the peer that took the pins; so does a new peer joining afterwards.
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { httpRequest } from '../harness/http.js'
import type { HttpResponse } from '../harness/http.js'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { startCluster } from '../harness/cluster.js'
import type { TestCluster } from '../harness/cluster.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { NODE, SERVICE_BIN } from '../harness/paths.js'

const PINS = 2000

function request (url: string, method = 'GET', body?: Buffer, headers: Record<string, string> = {}): Promise<HttpResponse> {
  return httpRequest(url, { method, body, headers })
}

async function count (p: DaemonHandle): Promise<number> {
  const res = await request(`${p.apiUrl}/allocations`)
  return res.body.toString().split('\n').filter(l => l !== '').length
}

async function waitCount (p: DaemonHandle, n: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (await count(p).catch(() => -1) !== n) {
    if (Date.now() > deadline) throw new Error(`${p.peerId} does not hold ${n} pins (has ${await count(p).catch(() => -1)})`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

/** `state export` of a stopped peer, lines sorted. */
function exported (p: DaemonHandle): string[] {
  const r = spawnSync(NODE, [SERVICE_BIN, '--config', p.dir, 'state', 'export'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  assert.equal(r.status, 0, r.stderr)
  return r.stdout.split('\n').filter(l => l !== '').sort()
}

describe('crdt catch-up with real daemons', { timeout: 240_000 }, () => {
  let cluster: TestCluster | undefined
  after(async () => { await cluster?.stopAll() })

  it('a peer killed in the middle of its catch-up, and a peer joining later, end with the same state export', async () => {
    cluster = await startCluster(3)
    const [p0, p1] = cluster.peers
    let p2 = cluster.peers[2]

    // the blocks the pins point at, on every peer, so that trackers pin without bitswap waits
    const boundary = 'catchupboundary'
    const parts: Buffer[] = []
    const cids: string[] = []
    for (let i = 0; i < PINS; i++) {
      const bytes = Buffer.from(`catch-up block ${i}\n`)
      cids.push(CID.create(1, raw.code, await sha256.digest(bytes)).toString())
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="b${i}"\r\nContent-Type: application/octet-stream\r\n\r\n`), bytes, Buffer.from('\r\n'))
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`))
    const added = await request(`${p0.apiUrl}/add?no-pin=true&cid-version=1&raw-leaves=true&wrap-with-directory=true&stream-channels=false`, 'POST', Buffer.concat(parts), { 'content-type': `multipart/form-data; boundary=${boundary}` })
    assert.equal(added.status, 200, added.body.toString())

    await p2.stop()
    // few requests at once: many small deltas, a long history to catch up on
    let next = 0
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < cids.length) {
        const res = await request(`${p0.apiUrl}/pins/${cids[next++]}`, 'POST')
        assert.equal(res.status, 200, res.body.toString())
      }
    }))
    await waitCount(p1, PINS)

    // restarted, then killed once it holds part of the pinset
    p2 = await p2.restart()
    let interrupted = -1
    for (let i = 0; i < 600; i++) {
      const n = await count(p2).catch(() => 0)
      if (n > 0 && n < PINS) {
        interrupted = n
        await p2.kill()
        break
      }
      if (n === PINS) break
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    p2 = await p2.restart()
    cluster.peers[2] = p2
    await waitCount(p2, PINS)
    if (interrupted < 0) console.log('# the catch-up ended before it could be interrupted')
    else console.log(`# killed with ${interrupted} of ${PINS} pins merged`)

    const joiner = await cluster.addPeer()
    await waitCount(joiner, PINS)

    await Promise.all([p0.stop(), p2.stop(), joiner.stop()])
    const first = exported(p0)
    assert.equal(first.length, PINS)
    assert.deepEqual(exported(p2), first, 'the restarted peer')
    assert.deepEqual(exported(joiner), first, 'the new peer')
  })
})
