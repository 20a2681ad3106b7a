// The dashboard's pins page with 100,000 pins, in headless Chromium, against one real daemon.
// The pins are written with the real `cluster-service state import` while the daemon is
// stopped (100k distinct raw sha256 CIDs, in the `state export` JSON-lines shape; about 15 s),
// then the daemon starts on that state. Their content is nowhere, so the import allocates
// them (--rmin 1 --rmax 1 --allocs) to another peer ID: this peer does not track them, reports
// them `remote` and its pin queue stays empty. The list renders while it streams from
// GET /allocations, keeps only the rows in view in the DOM, scrolls to the last pin the daemon
// streamed, searches by name and CID, and asks GET /pins?cids= (seen in the browser's network
// events) for the visible rows only.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { initPeer, startDaemon } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { NODE, SERVICE_BIN } from '../harness/paths.js'
import { Browser, findChromium } from './cdp.js'
import type { Page } from './cdp.js'

const CHROMIUM = findChromium()
const SKIP = CHROMIUM == null ? 'chromium is not installed (Debian: apt-get install --no-install-recommends chromium; .ci/run installs it as root), or set $CHROMIUM' : false
const N = 100_000

/** The raw-leaves CIDv1 of i as 4 big-endian bytes. */
function cidOf (i: number): string {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(i)
  return CID.createV1(0x55, Digest.create(0x12, createHash('sha256').update(b).digest())).toString()
}

/** n pins in the `state export` shape (one JSON object a line), named file-<i>. */
async function writePins (file: string, n: number): Promise<void> {
  const out = createWriteStream(file)
  const closed = new Promise<void>((resolve, reject) => { out.on('close', () => { resolve() }); out.on('error', reject) })
  for (let i = 0; i < n;) {
    const chunk: string[] = []
    for (const end = Math.min(n, i + 5000); i < end; i++) {
      chunk.push(JSON.stringify({
        replication_factor_min: -1, replication_factor_max: -1, name: `file-${i}`, mode: 'recursive', shard_size: 0,
        user_allocations: null, expire_at: '0001-01-01T00:00:00Z', metadata: null, pin_update: null, origins: null,
        cid: cidOf(i), type: 'pin', allocations: [], max_depth: -1, reference: null, timestamp: '2026-01-01T00:00:00Z'
      }))
    }
    if (!out.write(chunk.join('\n') + '\n')) await new Promise<void>(resolve => { out.once('drain', () => { resolve() }) })
  }
  out.end()
  await closed
}

describe('dashboard pins page with 100k pins', { skip: SKIP, timeout: 240_000 }, () => {
  let daemon: DaemonHandle
  let browser: Browser
  let page: Page
  let base: string
  let other: string
  /** every CID the page asked the status of with GET /pins?cids= */
  const statusAsked: string[] = []

  before(async () => {
    const t0 = Date.now()
    const dir = await initPeer()
    const pins = join(dir, 'pins.ndjson')
    await writePins(pins, N)
    other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const r = spawnSync(NODE, [SERVICE_BIN, '--config', dir, 'state', 'import', '--force', '--rmin', '1', '--rmax', '1', '--allocs', other, pins], { encoding: 'utf8' })
    assert.equal(r.status, 0, `state import failed: ${r.stderr}`)
    assert.match(r.stderr, new RegExp(`${N} pins imported`))
    const t1 = Date.now()
    const [d, b] = await Promise.allSettled([startDaemon({ dir }), Browser.launch(CHROMIUM as string)])
    if (d.status === 'fulfilled') daemon = d.value
    if (b.status === 'fulfilled') browser = b.value
    if (d.status === 'rejected') throw d.reason
    if (b.status === 'rejected') throw b.reason
    console.log(`# ${N} pins imported in ${t1 - t0} ms, daemon started in ${Date.now() - t1} ms`)
    base = daemon.apiUrl
    page = await browser.newPage()
    await page.send('Network.enable')
    page.on('Network.requestWillBeSent', p => {
      const url = new URL(p.request.url as string)
      if (url.pathname === '/pins' && url.searchParams.has('cids')) statusAsked.push(...(url.searchParams.get('cids') ?? '').split(','))
    })
  })

  after(async () => {
    await browser?.close()
    await daemon?.stop()
    daemon?.cleanup()
  })

  it('streams 100k pins into a virtual list', async () => {
    const t0 = Date.now()
    await page.navigate(`${base}/ui#/pins`)
    // rows show up before the stream ends
    await page.waitFor(`document.querySelectorAll('#pin-list .vrow[data-cid]').length > 0`, 20_000, 'first rows')
    await page.waitFor(`document.getElementById('pin-count').textContent === '100,000 pins'`, 90_000, 'all pins loaded')
    const loadMs = Date.now() - t0
    console.log(`# 100k pins loaded and counted in ${loadMs} ms`)
    const rows = await page.eval<number>(`document.querySelectorAll('#pin-list .vrow[data-cid]').length`)
    assert.ok(rows > 5 && rows < 100, `only the rows in view are in the DOM (${rows})`)
    assert.equal(await page.eval(`document.getElementById('pin-list').getAttribute('aria-rowcount')`), String(N + 1))
    // the daemon's status of the rows in view: allocated to the other peer, so `remote` here
    await page.waitFor(`document.querySelector('#pin-list .dots') != null`, 20_000, 'status of the rows in view')
    assert.equal(await page.eval(`document.querySelector('#pin-list .dots').getAttribute('aria-label')`), 'remote 1')
    assert.equal(await page.eval(`document.querySelector('#pin-list .vrow[data-cid] .c-alloc span').title`), other)
    assert.ok(statusAsked.length > 0 && statusAsked.length < 100, `status asked for the visible rows only (${statusAsked.length})`)
    const inView = await page.eval<string[]>(`[...document.querySelectorAll('#pin-list .vrow[data-cid]')].map(r => r.dataset.cid)`)
    for (const cid of statusAsked) assert.ok(inView.includes(cid), `status asked for ${cid}, a row in the DOM`)
  })

  it('scrolls to the end and searches', async () => {
    // the last pin of the daemon's own stream
    const res = await fetch(`${base}/allocations?filter=pin,meta-pin`)
    const body = await res.text()
    const lines = body.trimEnd().split('\n')
    assert.equal(lines.length, N)
    const last = JSON.parse(lines[lines.length - 1])
    await page.eval(`(() => { const v = document.querySelector('#pin-list .viewport'); v.scrollTop = v.scrollHeight })()`)
    await page.waitFor(`document.querySelector('#pin-list .vrow[aria-rowindex="${N + 1}"]')?.dataset.cid === '${last.cid as string}'`, 10_000, 'the last row')
    assert.equal(await page.eval(`document.querySelector('#pin-list .vrow[aria-rowindex="${N + 1}"] .c-name').textContent`), last.name)
    const t0 = Date.now()
    await page.eval(`(() => { const s = document.getElementById('pin-search'); s.value = 'file-99997'; s.dispatchEvent(new Event('input')) })()`)
    await page.waitFor(`document.getElementById('pin-count').textContent === '1 of 100,000 pins match'`, 10_000, 'one match')
    console.log(`# search over 100k pins in ${Date.now() - t0} ms`)
    assert.equal(await page.eval(`document.querySelector('#pin-list .vrow[data-cid]').dataset.cid`), cidOf(99997))
    // by CID too
    await page.eval(`(() => { const s = document.getElementById('pin-search'); s.value = '${cidOf(12345)}'; s.dispatchEvent(new Event('input')) })()`)
    await page.waitFor(`document.querySelector('#pin-list .vrow[data-cid]')?.dataset.cid === '${cidOf(12345)}'`, 10_000, 'match by CID')
    assert.equal(await page.eval(`document.querySelector('#pin-list .vrow[data-cid] .c-name').textContent`), 'file-12345')
    assert.deepEqual(page.errors, [])
    // nothing for this peer to pin: its pin queue stayed empty
    const q = await (await fetch(`${base}/monitor/metrics/pinqueue`)).json() as Array<{ peer: string, value: string }>
    assert.deepEqual(q.map(m => [m.peer, m.value]), [[daemon.peerId, '0']])
  })
})
