// A headless Chromium driven over the Chrome DevTools Protocol with Node's own WebSocket: no
// npm dependency. findChromium() → launchChromium() → Browser.newPage() → Page helpers.
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']

/** The Chromium binary ($CHROMIUM, else the first of the usual names on PATH), or undefined. */
export function findChromium (): string | undefined {
  const env = process.env.CHROMIUM
  if (env != null && env !== '') return env
  for (const name of CANDIDATES) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
    if (r.status === 0 && r.stdout.trim() !== '') return r.stdout.trim()
  }
  return undefined
}

type Handler = (params: any) => void

class Connection {
  private readonly ws: WebSocket
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void, method: string }>()
  private readonly handlers = new Map<string, Set<Handler>>()

  private constructor (ws: WebSocket) {
    this.ws = ws
    ws.addEventListener('message', ev => {
      const msg = JSON.parse(String(ev.data))
      if (msg.id != null) {
        const p = this.pending.get(msg.id)
        if (p == null) return
        this.pending.delete(msg.id)
        if (msg.error != null) p.reject(new Error(`${p.method}: ${msg.error.message as string}`))
        else p.resolve(msg.result)
        return
      }
      const key = `${msg.sessionId as string ?? ''}|${msg.method as string}`
      for (const h of this.handlers.get(key) ?? []) h(msg.params)
    })
    ws.addEventListener('close', () => {
      for (const p of this.pending.values()) p.reject(new Error(`${p.method}: DevTools connection closed`))
      this.pending.clear()
    })
  }

  static async open (url: string): Promise<Connection> {
    const ws = new WebSocket(url)
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true })
      ws.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)), { once: true })
    })
    return new Connection(ws)
  }

  async send (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<any> {
    const id = this.nextId++
    return await new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method })
      this.ws.send(JSON.stringify({ id, method, params, ...(sessionId != null ? { sessionId } : {}) }))
    })
  }

  on (method: string, handler: Handler, sessionId = ''): () => void {
    const key = `${sessionId}|${method}`
    let set = this.handlers.get(key)
    if (set == null) this.handlers.set(key, set = new Set())
    set.add(handler)
    return () => { set.delete(handler) }
  }

  close (): void {
    this.ws.close()
  }
}

export class Page {
  readonly errors: string[] = []
  readonly console: string[] = []

  constructor (private readonly conn: Connection, readonly sessionId: string) {
    conn.on('Runtime.exceptionThrown', p => { this.errors.push(p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text ?? 'exception') }, sessionId)
    conn.on('Runtime.consoleAPICalled', p => {
      const text = (p.args ?? []).map((a: any) => a.value ?? a.description ?? '').join(' ')
      this.console.push(`${p.type as string}: ${text}`)
    }, sessionId)
  }

  async send (method: string, params: Record<string, unknown> = {}): Promise<any> {
    return await this.conn.send(method, params, this.sessionId)
  }

  on (method: string, handler: Handler): () => void {
    return this.conn.on(method, handler, this.sessionId)
  }

  async navigate (url: string): Promise<void> {
    let off = (): void => {}
    const loaded = new Promise<void>(resolve => {
      off = this.on('Page.loadEventFired', () => { off(); resolve() })
    })
    const r = await this.send('Page.navigate', { url })
    if (r.errorText != null) throw new Error(`navigate ${url}: ${r.errorText as string}`)
    // a change of the fragment only is a same-document navigation: no loader, no load event
    if (r.loaderId == null) {
      off()
      return
    }
    await loaded
  }

  /** Evaluates an expression in the page (promises awaited) and returns its JSON value. */
  async eval<T = any> (expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true, userGesture: true })
    if (r.exceptionDetails != null) throw new Error(`evaluate failed: ${r.exceptionDetails.exception?.description as string ?? r.exceptionDetails.text as string}\n${expression}`)
    return r.result.value as T
  }

  /** Polls an expression until it returns a truthy value; returns that value. */
  async waitFor<T = any> (expression: string, timeoutMs = 30_000, what = expression): Promise<T> {
    const deadline = Date.now() + timeoutMs
    let last: unknown
    for (;;) {
      try {
        last = await this.eval(expression)
        if (last != null && last !== false && last !== '' && last !== 0) return last as T
      } catch (err) {
        last = err
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)}); page errors: ${this.errors.join(' | ')}`)
      await new Promise(resolve => setTimeout(resolve, 250))
    }
  }

  /** Sets the files of an <input type=file> (DOM.setFileInputFiles) and fires its change. */
  async setFiles (selector: string, files: string[]): Promise<void> {
    const { root } = await this.send('DOM.getDocument', { depth: 0 })
    const { nodeId } = await this.send('DOM.querySelector', { nodeId: root.nodeId, selector })
    if (nodeId === 0) throw new Error(`no element ${selector}`)
    await this.send('DOM.setFileInputFiles', { nodeId, files })
  }

  /** A key press as the keyboard makes it (Tab, Enter, …), to the focused element. */
  async press (key: 'Tab' | 'Enter' | 'Space', opts: { shift?: boolean } = {}): Promise<void> {
    const info = { Tab: { code: 'Tab', keyCode: 9, text: undefined }, Enter: { code: 'Enter', keyCode: 13, text: '\r' }, Space: { code: 'Space', keyCode: 32, text: ' ' } }[key]
    const base = { key: key === 'Space' ? ' ' : key, code: info.code, windowsVirtualKeyCode: info.keyCode, nativeVirtualKeyCode: info.keyCode, modifiers: opts.shift === true ? 8 : 0 }
    await this.send('Input.dispatchKeyEvent', { type: info.text != null ? 'keyDown' : 'rawKeyDown', ...base, ...(info.text != null ? { text: info.text, unmodifiedText: info.text } : {}) })
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', ...base })
  }

  async type (text: string): Promise<void> {
    await this.send('Input.insertText', { text })
  }

  /** A full-page PNG written to `file` (made under `dir`); returns the path. */
  async screenshot (dir: string, name: string): Promise<string> {
    mkdirSync(dir, { recursive: true })
    const { data } = await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true })
    const file = join(dir, name)
    writeFileSync(file, Buffer.from(data, 'base64'))
    return file
  }
}

export class Browser {
  private closed = false

  private constructor (private readonly proc: ChildProcess, private readonly conn: Connection, private readonly profile: string) {}

  /** Starts headless Chromium with a throwaway profile and connects to its DevTools socket. */
  static async launch (binary: string, opts: { width?: number, height?: number } = {}): Promise<Browser> {
    const profile = mkdtempSync(join(tmpdir(), 'ui-chromium-'))
    const args = [
      '--headless=new', '--remote-debugging-port=0', `--user-data-dir=${profile}`,
      '--no-first-run', '--no-default-browser-check', '--disable-gpu', '--disable-dev-shm-usage',
      '--disable-extensions', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--password-store=basic', '--use-mock-keychain', '--hide-scrollbars', '--mute-audio',
      `--window-size=${opts.width ?? 1280},${opts.height ?? 900}`,
      // root (CI containers) cannot use the setuid/user-namespace sandbox
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      'about:blank'
    ]
    const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    const wsUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chromium did not start in 30 s:\n${stderr.slice(-2000)}`)), 30_000)
      proc.stderr?.on('data', (b: Buffer) => {
        stderr += b.toString()
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr)
        if (m != null) { clearTimeout(timer); resolve(m[1]) }
      })
      proc.once('exit', code => { clearTimeout(timer); reject(new Error(`chromium exited with ${String(code)}:\n${stderr.slice(-2000)}`)) })
      proc.once('error', err => { clearTimeout(timer); reject(err) })
    })
    proc.stderr?.resume()
    const conn = await Connection.open(wsUrl)
    return new Browser(proc, conn, profile)
  }

  async newPage (): Promise<Page> {
    const { targetId } = await this.conn.send('Target.createTarget', { url: 'about:blank' })
    const { sessionId } = await this.conn.send('Target.attachToTarget', { targetId, flatten: true })
    const page = new Page(this.conn, sessionId)
    await page.send('Page.enable')
    await page.send('Runtime.enable')
    await page.send('DOM.enable')
    return page
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    try { await Promise.race([this.conn.send('Browser.close'), new Promise(resolve => setTimeout(resolve, 3000))]) } catch {}
    this.conn.close()
    if (this.proc.exitCode == null) {
      const exited = new Promise(resolve => this.proc.once('exit', resolve))
      setTimeout(() => { if (this.proc.exitCode == null) this.proc.kill('SIGKILL') }, 3000).unref()
      await exited
    }
    rmSync(this.profile, { recursive: true, force: true })
  }
}
