// The web dashboard (/ui) in a real headless Chromium driven over the DevTools protocol: a
// 6-peer cluster, an erasure add through the page's form, two shard holders stopped, the grid
// shows their shards lost, a repair started from the keyboard turns them healthy. A second part
// checks /ui behind basic auth: the browser is challenged, and once it has credentials the
// page's API calls carry them. Screenshots go to .tmp/ui-screenshots (or $UI_SCREENSHOTS).
//
// Needs Chromium (Debian: apt-get install chromium; .ci/run installs it when run as root);
// without it the tests are skipped.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCluster } from '../harness/cluster.js'
import type { TestCluster } from '../harness/cluster.js'
import { startDaemon } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { shardsOf } from '../harness/erasure.js'
import { Browser, findChromium } from './cdp.js'
import type { Page } from './cdp.js'

const CHROMIUM = findChromium()
const SKIP = CHROMIUM == null ? 'chromium is not installed (Debian: apt-get install --no-install-recommends chromium; .ci/run installs it as root), or set $CHROMIUM' : false
// dist/test/ui/ → the repository root
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SHOTS = process.env.UI_SCREENSHOTS ?? join(ROOT, '.tmp', 'ui-screenshots')

async function shot (page: Page, name: string): Promise<void> {
  const file = await page.screenshot(SHOTS, name)
  console.log(`# screenshot: ${file}`)
}

/** The grid's cells as the page shows them. */
async function cells (page: Page): Promise<Array<{ stripe: number, pos: number, state: string, holder: string, label: string }>> {
  return await page.eval(`[...document.querySelectorAll('#shard-grid td.cell')].map(c => ({
    stripe: Number(c.dataset.stripe), pos: Number(c.dataset.pos), state: c.dataset.state, holder: c.dataset.holder, label: c.getAttribute('aria-label') }))`)
}

describe('dashboard (/ui) in headless Chromium', { skip: SKIP, timeout: 400_000 }, () => {
  let cluster: TestCluster
  let browser: Browser
  let page: Page
  let ui: string
  let cid: string
  let stopped: string[] = []
  const work = mkdtempSync(join(tmpdir(), 'ui-test-'))

  before(async () => {
    // both are kept even when the other fails, so that after() stops what did start
    const [c, b] = await Promise.allSettled([startCluster(6), Browser.launch(CHROMIUM as string)])
    if (c.status === 'fulfilled') cluster = c.value
    if (b.status === 'fulfilled') browser = b.value
    if (c.status === 'rejected') throw c.reason
    if (b.status === 'rejected') throw b.reason
    page = await browser.newPage()
    ui = `${cluster.peers[0].apiUrl}/ui`
  })

  after(async () => {
    await browser?.close()
    await cluster?.stopAll()
    rmSync(work, { recursive: true, force: true })
  })

  it('overview: every peer, its metrics and who sees whom', async () => {
    await cluster.waitMetric('freespace', 6, [cluster.peers[0]])
    await page.navigate(`${ui}#/overview`)
    await page.waitFor(`document.querySelectorAll('#view table.data tbody tr').length === 6 && document.querySelector('table.matrix') != null`, 60_000, 'six peers and the matrix')
    const rows = await page.eval<string[]>(`[...document.querySelectorAll('#view table.data tbody th')].map(th => th.textContent)`)
    assert.deepEqual(rows, ['cluster0', 'cluster1', 'cluster2', 'cluster3', 'cluster4', 'cluster5'])
    await page.waitFor(`[...document.querySelectorAll('#view table.data tbody tr')].every(tr => /iB/.test(tr.children[4].textContent))`, 30_000, 'freespace of every peer')
    assert.equal(await page.eval(`document.querySelectorAll('table.matrix td.yes').length`), 30, 'every peer sees the 5 others')
    assert.equal(await page.eval(`document.querySelector('nav a[aria-current=page]').textContent`), 'Overview')
    // keyboard: the first Tab reaches the skip link, Enter moves the focus to the content
    await page.eval(`document.activeElement?.blur()`)
    await page.press('Tab')
    assert.equal(await page.eval(`document.activeElement?.textContent`), 'Skip to content')
    await page.press('Enter')
    assert.equal(await page.eval(`document.activeElement?.id + ' ' + location.hash`), 'view #/overview')
    await shot(page, 'overview.png')
  })

  it('add form: erasure 2+2 with a progress bar, then the shard map', async () => {
    const file = join(work, 'dataset.bin')
    writeFileSync(file, randomBytes(1536 * 1024 + 1234))
    await page.navigate(`${ui}#/add`)
    await page.waitFor(`document.getElementById('add-files')`)
    // every input has a label (accessibility)
    const unlabelled = await page.eval<string[]>(`[...document.querySelectorAll('#add-form input')].filter(i => i.labels.length === 0).map(i => i.id)`)
    assert.deepEqual(unlabelled, [])
    await page.setFiles('#add-files', [file])
    await page.eval(`(() => {
      const set = (id, v) => { const el = document.getElementById(id); el.value = v; el.dispatchEvent(new Event('input')) }
      set('add-name', 'dataset.bin'); set('add-data-shards', '2'); set('add-parity-shards', '2'); set('add-shard-size', '262144')
      return document.getElementById('add-erasure').checked
    })()`)
    await page.eval(`document.getElementById('add-submit').click()`)
    cid = await page.waitFor<string>(`document.getElementById('added-cid')?.textContent`, 180_000, 'the added CID')
    assert.match(cid, /^(Qm|b)[A-Za-z0-9]+$/)
    const bar = await page.eval(`(() => { const p = document.getElementById('add-progress'); return { value: p.value, max: p.max } })()`)
    assert.deepEqual(bar, { value: 1, max: 1 })
    await shot(page, 'add.png')
    await page.eval(`document.getElementById('added-link').click()`)
    // 7 chunks: 3 full stripes and a last one with a single data shard (1 + 2 parity)
    await page.waitFor(`document.querySelectorAll('#shard-grid td.cell').length === 16`, 60_000, '4 stripes × 4 positions')
    const all = await cells(page)
    assert.deepEqual(all.filter(c => c.state !== 'healthy').map(c => [c.stripe, c.pos, c.state]), [[3, 1, 'none']])
    // the page's holders are the shard pins' allocations
    const places = await shardsOf(cluster.peers[1], cid)
    for (const s of places) {
      const c = all.find(c => c.stripe === s.stripe && c.pos === s.shard)
      assert.equal(c?.holder, s.holder, `stripe ${s.stripe} shard ${s.shard}`)
    }
    assert.match(all[0].label, /^Stripe 0 data 0: healthy on cluster\d$/)
  })

  it('two holders stopped: the grid shows their shards lost', async () => {
    const places = await shardsOf(cluster.peers[1], cid)
    // two holders of stripe 0 other than the peer serving the page
    stopped = [...new Set(places.filter(s => s.stripe === 0).map(s => s.holder))].filter(h => h !== cluster.peers[0].peerId).slice(0, 2)
    assert.equal(stopped.length, 2)
    await Promise.all(cluster.peers.filter(p => stopped.includes(p.peerId)).map(async p => await p.stop()))
    const expectLost = places.filter(s => stopped.includes(s.holder)).length
    await page.waitFor(`[...document.querySelectorAll('#shard-grid td.cell')].filter(c => c.dataset.state === 'lost').length === ${expectLost}`, 90_000, `${expectLost} lost cells`)
    const all = await cells(page)
    for (const c of all) assert.equal(c.state, c.state === 'none' ? 'none' : stopped.includes(c.holder) ? 'lost' : 'healthy', JSON.stringify(c))
    const tolerates = await page.eval<number[]>(`[...document.querySelectorAll('#shard-grid td.tol')].map(td => Number(td.dataset.tolerates))`)
    for (const [i, t] of tolerates.entries()) {
      const lost = all.filter(c => c.stripe === i && c.state === 'lost').length
      assert.equal(t, 2 - lost, `stripe ${i} survives ${2 - lost} more`)
    }
    assert.match(all.find(c => c.state === 'lost')?.label ?? '', /: lost \((down|unreachable|unpinned|missing)\) on cluster\d/)
    await shot(page, 'file-lost.png')
  })

  it('repair from the keyboard (Tab to the button, Enter) turns them healthy', async () => {
    // start from the page's heading, where navigation leaves the focus, and tab forward
    await page.eval(`document.querySelector('#view h1').focus()`)
    const order: string[] = []
    for (let i = 0; i < 10; i++) {
      await page.press('Tab')
      const id = await page.eval<string>(`document.activeElement?.id || document.activeElement?.tagName`)
      order.push(id)
      if (id === 'repair') break
    }
    assert.deepEqual(order, ['ecget', 'repair'], 'Download then Repair in tab order')
    // remembers whether lost cells turned "being repaired" while the repair ran
    await page.eval(`(() => {
      window.__repairing = 0
      new MutationObserver(() => {
        window.__repairing = Math.max(window.__repairing, document.querySelectorAll('#shard-grid td.cell[data-state=repairing]').length)
      }).observe(document.getElementById('view'), { subtree: true, childList: true, attributes: true })
    })()`)
    await page.press('Enter')
    await page.waitFor(`document.getElementById('repair').getAttribute('aria-busy') === 'true' || document.querySelector('#repair-report h2') != null`, 10_000, 'the repair to start')
    await page.waitFor(`document.querySelector('#repair-report h2')?.textContent === 'Last repair'`, 120_000, 'the repair report')
    assert.ok(await page.eval<number>('window.__repairing') > 0, 'lost cells shown as being repaired during the repair')
    const report = await page.eval<string>(`document.getElementById('repair-report').textContent`)
    assert.match(report, /Rebuilt: [1-9]/, report)
    await page.waitFor(`(() => { const c = [...document.querySelectorAll('#shard-grid td.cell')]; return c.length === 16 && c.filter(x => x.dataset.state === 'healthy').length === 15 })()`, 60_000, 'every shard healthy')
    const all = await cells(page)
    for (const c of all) if (c.state !== 'none') assert.ok(!stopped.includes(c.holder), `stripe ${c.stripe} shard ${c.pos} moved off the stopped peers`)
    // the focus stays on the button after it finishes
    assert.equal(await page.eval(`document.activeElement?.id`), 'repair')
    await shot(page, 'file-repaired.png')
  })

  it('pins: streamed list, search by name, link to the shard map', async () => {
    await page.navigate(`${ui}#/pins`)
    await page.waitFor(`document.querySelectorAll('#pin-list .vrow[data-cid]').length === 1`, 30_000, 'the file in the list')
    await page.eval(`document.getElementById('pin-search').focus()`)
    await page.type('nomatch')
    await page.waitFor(`document.querySelectorAll('#pin-list .vrow[data-cid]').length === 0`, 10_000, 'no row')
    await page.eval(`(() => { const s = document.getElementById('pin-search'); s.value = 'dataset'; s.dispatchEvent(new Event('input')) })()`)
    await page.waitFor(`document.querySelector('#pin-list .vrow[data-cid="${cid}"] a')`, 10_000, 'the row again')
    // all shards: type filter
    await page.eval(`(() => { const s = document.getElementById('pin-type'); s.value = 'shard-pin'; s.dispatchEvent(new Event('change')) })()`)
    // 15 shards (3 × 4 + 3) and the tree pin are named dataset.bin-…
    await page.waitFor(`/^1[56] pins$/.test(document.getElementById('pin-count').textContent)`, 30_000, 'the shard rows')
    await page.waitFor(`document.querySelector('#pin-list .dots') != null`, 30_000, 'per-peer status of the visible rows')
    await shot(page, 'pins.png')
    assert.deepEqual(page.errors, [], 'no uncaught error in the page')
  })
})

describe('dashboard (/ui) behind basic auth', { skip: SKIP, timeout: 200_000 }, () => {
  let d: DaemonHandle
  let browser: Browser

  before(async () => {
    const [dd, b] = await Promise.allSettled([
      startDaemon({ configure: json => { json.api.restapi.basic_auth_credentials = { admin: 's3cret' } } }),
      Browser.launch(CHROMIUM as string)
    ])
    if (dd.status === 'fulfilled') d = dd.value
    if (b.status === 'fulfilled') browser = b.value
    if (dd.status === 'rejected') throw dd.reason
    if (b.status === 'rejected') throw b.reason
  })

  after(async () => {
    await browser?.close()
    await d?.stop()
    d?.cleanup()
  })

  it('/ui and its assets need the credentials; the page\'s calls carry the browser\'s', async () => {
    for (const path of ['/ui', '/ui/app.js']) {
      const r = await fetch(`${d.apiUrl}${path}`)
      assert.equal(r.status, 401, path)
      assert.match(r.headers.get('www-authenticate') ?? '', /Basic realm=/)
    }
    const ok = await fetch(`${d.apiUrl}/ui`, { headers: { authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}` } })
    assert.equal(ok.status, 200)
    assert.match(await ok.text(), /<main id="view"/)

    // assets: known names only, security headers, revalidation by ETag
    const auth = { authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}` }
    for (const path of ['/ui/nope.js', '/ui/..%2Fpackage.json', '/ui/.hidden.js']) {
      assert.equal((await fetch(`${d.apiUrl}${path}`, { headers: auth })).status, 404, path)
    }
    const js = await fetch(`${d.apiUrl}/ui/app.js`, { headers: auth })
    assert.equal(js.status, 200)
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8')
    assert.match(js.headers.get('content-security-policy') ?? '', /default-src 'self'/)
    const etag = js.headers.get('etag') ?? ''
    assert.equal((await fetch(`${d.apiUrl}/ui/app.js`, { headers: { ...auth, 'if-none-match': etag } })).status, 304)

    const page = await browser.newPage()
    // the browser's credential prompt, answered through the Fetch domain
    const challenges: string[] = []
    page.on('Fetch.authRequired', p => {
      challenges.push(`${p.authChallenge.scheme as string} ${new URL(p.request.url).pathname}`)
      void page.send('Fetch.continueWithAuth', { requestId: p.requestId, authChallengeResponse: { response: 'ProvideCredentials', username: 'admin', password: 's3cret' } })
    })
    page.on('Fetch.requestPaused', p => { void page.send('Fetch.continueRequest', { requestId: p.requestId }) })
    await page.send('Fetch.enable', { handleAuthRequests: true })
    await page.navigate(`${d.apiUrl}/ui#/overview`)
    await page.waitFor(`document.querySelectorAll('#view table.data tbody tr').length === 1`, 60_000, 'the peer row (GET /peers with credentials)')
    assert.ok(challenges.length >= 1 && challenges[0] === 'basic /ui', JSON.stringify(challenges))
    assert.equal(await page.eval(`document.getElementById('live').classList.contains('ok')`), true)
    await shot(page, 'auth-overview.png')
  })
})
