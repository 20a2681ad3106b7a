// The dashboard in headless Firefox, driven over WebDriver BiDi (Node's WebSocket, no npm
// dependency), against the stand-in API of fake-api.ts: every page renders and no script error
// is logged. Skipped when no Firefox is installed (CI installs only Chromium; set $FIREFOX or
// apt-get install firefox-esr to run it).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EC_FILE, startFakeApi } from './fake-api.js'
import type { FakeApi } from './fake-api.js'

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
  let api: FakeApi
  let proc: ChildProcess
  let bidi: Bidi
  let ws: WebSocket
  const profile = mkdtempSync(join(tmpdir(), 'ui-firefox-'))

  before(async () => {
    api = await startFakeApi(1000)
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
    await api?.close()
    rmSync(profile, { recursive: true, force: true })
  })

  it('overview, pins, an erasure file and the add form render', async () => {
    await bidi.send('browsingContext.navigate', { context: bidi.context, url: `${api.url}/ui#/overview`, wait: 'complete' })
    await bidi.waitFor(`document.querySelectorAll('#view table.data tbody tr').length === 4 && document.querySelector('table.matrix')`, 'the overview')
    assert.equal(await bidi.eval(`document.querySelectorAll('ul.alerts li').length`), 1)

    await bidi.eval(`location.hash = '#/pins'`)
    await bidi.waitFor(`document.getElementById('pin-count')?.textContent === '1,001 pins'`, 'the pins')
    await bidi.waitFor(`document.querySelector('#pin-list a[href="#/file/${EC_FILE}"]')`, 'the EC file link')
    await bidi.eval(`document.querySelector('#pin-list a[href="#/file/${EC_FILE}"]').click()`)
    await bidi.waitFor(`document.querySelectorAll('#shard-grid td.cell').length === 8`, 'the shard grid')
    const states = await bidi.eval<string[]>(`[...document.querySelectorAll('#shard-grid td.cell')].map(c => c.dataset.state)`)
    assert.deepEqual(states, ['healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'lost', 'healthy', 'healthy'])
    assert.deepEqual(await bidi.eval(`[...document.querySelectorAll('#shard-grid td.tol')].map(t => t.dataset.tolerates)`), ['2', '1'])
    const shot = await bidi.send('browsingContext.captureScreenshot', { context: bidi.context })
    mkdirSync(SHOTS, { recursive: true })
    writeFileSync(join(SHOTS, 'firefox-file.png'), Buffer.from(shot.data, 'base64'))
    console.log(`# screenshot: ${join(SHOTS, 'firefox-file.png')}`)

    await bidi.eval(`location.hash = '#/add'`)
    await bidi.waitFor(`document.getElementById('add-form')`, 'the add form')
    assert.deepEqual(await bidi.eval(`[...document.querySelectorAll('#add-form input')].filter(i => i.labels.length === 0).map(i => i.id)`), [])
    assert.deepEqual(bidi.errors, [])
  })
})
