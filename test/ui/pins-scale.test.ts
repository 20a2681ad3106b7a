// The dashboard's pins page with 100k pins, in headless Chromium, against a stand-in API
// (fake-api.ts: the real /ui assets and NDJSON pins): the list renders while it streams, keeps
// only the rows in view in the DOM, scrolls to the last pin, searches by name and CID, and asks
// the status of the visible rows only.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Browser, findChromium } from './cdp.js'
import type { Page } from './cdp.js'
import { cidOf, startFakeApi } from './fake-api.js'
import type { FakeApi } from './fake-api.js'

const CHROMIUM = findChromium()
const SKIP = CHROMIUM == null ? 'chromium is not installed (Debian: apt-get install --no-install-recommends chromium; .ci/run installs it as root), or set $CHROMIUM' : false
// plain pins; with the erasure-coded file the list has 100,000
const N = 99_999

describe('dashboard pins page with 100k pins', { skip: SKIP, timeout: 120_000 }, () => {
  let api: FakeApi
  let browser: Browser
  let page: Page
  let base: string

  before(async () => {
    api = await startFakeApi(N)
    base = api.url
    browser = await Browser.launch(CHROMIUM as string)
    page = await browser.newPage()
  })

  after(async () => {
    await browser?.close()
    await api?.close()
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
    assert.equal(await page.eval(`document.getElementById('pin-list').getAttribute('aria-rowcount')`), String(100_000 + 1))
    await page.waitFor(`document.querySelector('#pin-list .dots') != null`, 10_000, 'status of the rows in view')
    assert.ok(api.statusAsked.length > 0 && api.statusAsked.length < 100, `status asked for the visible rows only (${api.statusAsked.length})`)
  })

  it('scrolls to the end and searches', async () => {
    await page.eval(`(() => { const v = document.querySelector('#pin-list .viewport'); v.scrollTop = v.scrollHeight })()`)
    await page.waitFor(`document.querySelector('#pin-list .vrow[aria-rowindex="${100_000 + 1}"]')?.dataset.cid === '${cidOf(N - 1)}'`, 10_000, 'the last row')
    const t0 = Date.now()
    await page.eval(`(() => { const s = document.getElementById('pin-search'); s.value = 'file-99997'; s.dispatchEvent(new Event('input')) })()`)
    await page.waitFor(`document.getElementById('pin-count').textContent === '1 of 100,000 pins match'`, 10_000, 'one match')
    console.log(`# search over 100k pins in ${Date.now() - t0} ms`)
    assert.equal(await page.eval(`document.querySelector('#pin-list .vrow[data-cid]').dataset.cid`), cidOf(99997))
    // by CID too
    await page.eval(`(() => { const s = document.getElementById('pin-search'); s.value = '${cidOf(12345)}'; s.dispatchEvent(new Event('input')) })()`)
    await page.waitFor(`document.querySelector('#pin-list .vrow[data-cid]')?.dataset.cid === '${cidOf(12345)}'`, 10_000, 'match by CID')
    assert.deepEqual(page.errors, [])
  })
})
