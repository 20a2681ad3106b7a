// The dashboard's pins page with 100k pins, in headless Chromium, against a stand-in API (a
// plain node:http server serving the real /ui assets and NDJSON pins): the list renders while it
// streams, keeps only the rows in view in the DOM, scrolls to the last pin, searches, and asks
// the status of the visible rows only.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadUiAssets } from '../../src/restapi/ui/route.js'
import { Browser, findChromium } from './cdp.js'
import type { Page } from './cdp.js'

const CHROMIUM = findChromium()
const SKIP = CHROMIUM == null ? 'chromium is not installed (Debian: apt-get install --no-install-recommends chromium; .ci/run installs it as root), or set $CHROMIUM' : false
const N = 100_000
const PEERS = ['12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', '12D3KooWCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC']

const cidOf = (i: number): string => `bafkreifake${String(i).padStart(8, '0')}`

function pin (i: number): object {
  return {
    cid: cidOf(i), name: `file-${i}`, type: 'pin', allocations: [PEERS[i % 3]], replication_factor_min: 1, replication_factor_max: 1,
    max_depth: -1, mode: 'recursive', reference: null, timestamp: '2026-01-01T00:00:00Z', metadata: null, origins: null, user_allocations: null,
    expire_at: '0001-01-01T00:00:00Z', shard_size: 0, pin_update: null
  }
}

describe('dashboard pins page with 100k pins', { skip: SKIP, timeout: 120_000 }, () => {
  let server: Server
  let browser: Browser
  let page: Page
  let base: string
  const statusAsked: string[] = []

  before(async () => {
    const assets = loadUiAssets()
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      const path = url.pathname
      const ndjson = (): void => { res.writeHead(200, { 'Content-Type': 'application/json' }) }
      if (path === '/ui' || path.startsWith('/ui/')) {
        const a = assets.get(path === '/ui' ? 'index.html' : path.slice(4))
        if (a == null) { res.writeHead(404).end(); return }
        res.writeHead(200, { 'Content-Type': a.type }).end(a.body)
      } else if (path === '/id') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: PEERS[0], peername: 'p0', version: '1.1.6' }))
      } else if (path === '/peers') {
        ndjson()
        res.end(PEERS.map((id, i) => JSON.stringify({ id, peername: `p${i}` })).join('\n') + '\n')
      } else if (path === '/allocations') {
        // streamed in chunks, as the daemon does
        ndjson()
        let i = 0
        const more = (): void => {
          while (i < N) {
            const lines: string[] = []
            for (const end = Math.min(N, i + 2000); i < end; i++) lines.push(JSON.stringify(pin(i)))
            if (!res.write(lines.join('\n') + '\n')) { res.once('drain', more); return }
          }
          res.end()
        }
        more()
      } else if (path === '/pins' && url.searchParams.has('cids')) {
        const cids = (url.searchParams.get('cids') ?? '').split(',')
        statusAsked.push(...cids)
        ndjson()
        res.end(cids.map(cid => JSON.stringify({
          cid, name: '', peer_map: Object.fromEntries(PEERS.map((p, i) => [p, { peername: `p${i}`, status: i === 0 ? 'pinned' : 'remote', error: '' }]))
        })).join('\n') + '\n')
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"code":404,"message":"not found"}')
      }
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await Browser.launch(CHROMIUM as string)
    page = await browser.newPage()
  })

  after(async () => {
    await browser?.close()
    server?.closeAllConnections()
    await new Promise(resolve => server?.close(resolve))
  })

  it('streams 100k pins into a virtual list', async () => {
    const t0 = Date.now()
    await page.navigate(`${base}/ui#/pins`)
    // rows show up before the stream ends
    await page.waitFor(`document.querySelectorAll('#pin-list .vrow[data-cid]').length > 0`, 20_000, 'first rows')
    await page.waitFor(`document.getElementById('pin-count').textContent === '100,000 pins'`, 60_000, 'all pins loaded')
    const loadMs = Date.now() - t0
    console.log(`# 100k pins loaded and counted in ${loadMs} ms`)
    const rows = await page.eval<number>(`document.querySelectorAll('#pin-list .vrow[data-cid]').length`)
    assert.ok(rows > 5 && rows < 100, `only the rows in view are in the DOM (${rows})`)
    assert.equal(await page.eval(`document.getElementById('pin-list').getAttribute('aria-rowcount')`), String(N + 1))
    await page.waitFor(`document.querySelector('#pin-list .dots') != null`, 10_000, 'status of the rows in view')
    assert.ok(statusAsked.length > 0 && statusAsked.length < 100, `status asked for the visible rows only (${statusAsked.length})`)
  })

  it('scrolls to the end and searches', async () => {
    await page.eval(`(() => { const v = document.querySelector('#pin-list .viewport'); v.scrollTop = v.scrollHeight })()`)
    await page.waitFor(`document.querySelector('#pin-list .vrow[aria-rowindex="${N + 1}"]')?.dataset.cid === '${cidOf(N - 1)}'`, 10_000, 'the last row')
    const t0 = Date.now()
    await page.eval(`(() => { const s = document.getElementById('pin-search'); s.value = 'file-99998'; s.dispatchEvent(new Event('input')) })()`)
    await page.waitFor(`document.getElementById('pin-count').textContent === '1 of 100,000 pins match'`, 10_000, 'one match')
    console.log(`# search over 100k pins in ${Date.now() - t0} ms`)
    assert.equal(await page.eval(`document.querySelector('#pin-list .vrow[data-cid]').dataset.cid`), cidOf(99998))
    // by CID too
    await page.eval(`(() => { const s = document.getElementById('pin-search'); s.value = '${cidOf(12345)}'; s.dispatchEvent(new Event('input')) })()`)
    await page.waitFor(`document.querySelector('#pin-list .vrow[data-cid]')?.dataset.cid === '${cidOf(12345)}'`, 10_000, 'match by CID')
    assert.deepEqual(page.errors, [])
  })
})
