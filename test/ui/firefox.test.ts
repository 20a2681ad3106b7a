// The dashboard in headless Firefox, driven over WebDriver BiDi (Node's WebSocket, no npm
// dependency), against one real daemon holding three files added with the real cluster-ctl:
// the overview, the pins page (with the daemon's per-peer status) and the add form render and
// no script error is logged. (The erasure-coded file view needs as many peers as shards: it is
// covered in Chromium by dashboard.test.ts.) Skipped when no Firefox is installed (CI installs
// only Chromium; set $FIREFOX or apt-get install firefox-esr to run it).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startDaemon } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { ctlOk } from '../harness/ctl.js'

function findFirefox (): string | undefined {
  if (process.env.FIREFOX != null && process.env.FIREFOX !== '') return process.env.FIREFOX
  for (const name of ['firefox-esr', 'firefox']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
    if (r.status === 0 && r.stdout.trim() !== '') return r.stdout.trim()
  }
  return undefined
}

const FIREFOX = findFirefox()
const SKIP = FIREFOX == null ? 'firefox is not installed (apt-get install firefox-esr, or set $FIREFOX)' : false
const SHOTS = process.env.UI_SCREENSHOTS ?? join(fileURLToPath(new URL('../../../', import.meta.url)), '.tmp', 'ui-screenshots')

class Bidi {
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()
  readonly errors: string[] = []
  context = ''

  constructor (private readonly ws: WebSocket) {
    ws.addEventListener('message', ev => {
      const msg = JSON.parse(String(ev.data))
      if (msg.id != null && this.pending.has(msg.id)) {
        const p = this.pending.get(msg.id)
        this.pending.delete(msg.id)
        if (msg.type === 'error') p?.reject(new Error(`${msg.error as string}: ${msg.message as string}`))
        else p?.resolve(msg.result)
      } else if (msg.method === 'log.entryAdded' && (msg.params.level === 'error' || msg.params.type === 'javascript')) {
        this.errors.push(msg.params.text)
      }
    })
  }

  async send (method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = this.nextId++
    return await new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.ws.send(JSON.stringify({ id, method, params }))
    })
  }

  async eval<T = any> (expression: string): Promise<T> {
    const r = await this.send('script.evaluate', { expression: `JSON.stringify(${expression})`, target: { context: this.context }, awaitPromise: false })
    if (r.type !== 'success') throw new Error(`evaluate failed: ${JSON.stringify(r.exceptionDetails?.text ?? r)}`)
    return (r.result.value === undefined ? undefined : JSON.parse(r.result.value)) as T
  }

  async waitFor (expression: string, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try { if (await this.eval<boolean>(`!!(${expression})`)) return } catch {}
      if (Date.now() > deadline) throw new Error(`firefox: timed out waiting for ${what}; errors: ${this.errors.join(' | ')}`)
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  }
}

describe('dashboard in headless Firefox', { skip: SKIP, timeout: 120_000 }, () => {
  let daemon: DaemonHandle
  let proc: ChildProcess
  let bidi: Bidi
  let ws: WebSocket
  const profile = mkdtempSync(join(tmpdir(), 'ui-firefox-'))
  const work = mkdtempSync(join(tmpdir(), 'ui-firefox-files-'))
  const added = new Map<string, string>() // name → CID

  before(async () => {
    daemon = await startDaemon({ peername: 'peer0' })
    for (const name of ['a.txt', 'b.txt', 'c.txt']) {
      writeFileSync(join(work, name), `the content of ${name}\n`)
      const out = await ctlOk(['add', '--name', name, '--wait', join(work, name)], { host: daemon.apiMultiaddr })
      const cid = /added (\S+) /.exec(out)?.[1]
      assert.ok(cid != null, `cluster-ctl add printed no CID: ${out}`)
      added.set(name, cid)
    }
    writeFileSync(join(profile, 'user.js'), 'user_pref("browser.shell.checkDefaultBrowser", false);\nuser_pref("datareporting.policy.dataSubmissionEnabled", false);\n')
    proc = spawn(FIREFOX as string, ['--headless', '--remote-debugging-port=0', '--profile', profile, '--no-remote', '--width=1280', '--height=900'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`firefox did not start:\n${out.slice(-2000)}`)), 60_000)
      const onData = (b: Buffer): void => {
        out += b.toString()
        const m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(out)
        if (m != null) { clearTimeout(timer); resolve(m[1]) }
      }
      proc.stdout?.on('data', onData)
      proc.stderr?.on('data', onData)
      proc.once('exit', code => { clearTimeout(timer); reject(new Error(`firefox exited with ${String(code)}:\n${out.slice(-2000)}`)) })
    })
    ws = new WebSocket(`${url.replace(/\/$/, '')}/session`)
    await new Promise((resolve, reject) => { ws.addEventListener('open', resolve, { once: true }); ws.addEventListener('error', reject, { once: true }) })
    bidi = new Bidi(ws)
    await bidi.send('session.new', { capabilities: {} })
    await bidi.send('session.subscribe', { events: ['log.entryAdded'] })
    const tree = await bidi.send('browsingContext.getTree', {})
    bidi.context = tree.contexts[0].context
  })

  after(async () => {
    try { await bidi?.send('browser.close') } catch {}
    ws?.close()
    if (proc != null && proc.exitCode == null) {
      const exited = new Promise(resolve => proc.once('exit', resolve))
      setTimeout(() => proc.kill('SIGKILL'), 5000).unref()
      await exited
    }
    await daemon?.stop()
    daemon?.cleanup()
    rmSync(profile, { recursive: true, force: true })
    rmSync(work, { recursive: true, force: true })
  })

  it('overview, pins and the add form render', async () => {
    await bidi.send('browsingContext.navigate', { context: bidi.context, url: `${daemon.apiUrl}/ui#/overview`, wait: 'complete' })
    await bidi.waitFor(`document.querySelectorAll('#view table.data tbody tr').length === 1 && document.querySelector('table.matrix td.self')`, 'the overview')
    assert.equal(await bidi.eval(`document.querySelector('#view table.data tbody th').textContent`), 'peer0')
    assert.equal(await bidi.eval(`document.querySelector('#view table.data tbody tr').dataset.peer`), daemon.peerId)
    await bidi.waitFor(`[...document.querySelectorAll('#view p.muted')].some(p => p.textContent === 'No alerts.')`, 'no alerts')

    await bidi.eval(`location.hash = '#/pins'`)
    await bidi.waitFor(`document.getElementById('pin-count')?.textContent === '3 pins'`, 'the pins')
    const rows = await bidi.eval<Array<[string, string]>>(`[...document.querySelectorAll('#pin-list .vrow[data-cid]')].map(r => [r.querySelector('.c-name').textContent, r.dataset.cid]).sort()`)
    assert.deepEqual(rows, [...added].sort())
    // the daemon's status of every row: pinned on its one peer
    await bidi.waitFor(`[...document.querySelectorAll('#pin-list .vrow[data-cid]')].every(r => r.querySelector('.dots')?.getAttribute('aria-label') === 'pinned 1')`, 'the status of the rows')
    const shot = await bidi.send('browsingContext.captureScreenshot', { context: bidi.context })
    mkdirSync(SHOTS, { recursive: true })
    writeFileSync(join(SHOTS, 'firefox-pins.png'), Buffer.from(shot.data, 'base64'))
    console.log(`# screenshot: ${join(SHOTS, 'firefox-pins.png')}`)

    await bidi.eval(`location.hash = '#/add'`)
    await bidi.waitFor(`document.getElementById('add-form')`, 'the add form')
    assert.deepEqual(await bidi.eval(`[...document.querySelectorAll('#add-form input')].filter(i => i.labels.length === 0).map(i => i.id)`), [])
    assert.deepEqual(bidi.errors, [])
  })
})
