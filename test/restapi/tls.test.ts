// HTTPS when ssl_cert_file/ssl_key_file are set: relative paths are resolved against the
// config folder (upstream) and absolute ones are taken as they are. A real daemon, started
// by hand because the harness waits for plain HTTP.
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { initPeer } from '../harness/daemon.js'
import { NODE, SERVICE_BIN } from '../harness/paths.js'
import { json, request } from './http.js'

interface TlsDaemon {
  proc: ChildProcess
  dir: string
  url: string
}

function makeCert (dir: string): void {
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`)
}

async function startTlsDaemon (paths: (dir: string) => { cert: string, key: string }): Promise<TlsDaemon> {
  let url = ''
  const dir = await initPeer({
    configure: json => {
      url = `https://127.0.0.1:${/\/tcp\/(\d+)/.exec(json.api.restapi.http_listen_multiaddress)?.[1] ?? ''}`
    }
  })
  try {
    return await launch(dir, url, paths)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

async function launch (dir: string, url: string, paths: (dir: string) => { cert: string, key: string }): Promise<TlsDaemon> {
  makeCert(dir)
  // initPeer has written service.json: set the TLS files in it
  const { readFileSync, writeFileSync } = await import('node:fs')
  const file = join(dir, 'service.json')
  const cfg = JSON.parse(readFileSync(file, 'utf8'))
  const p = paths(dir)
  cfg.api.restapi.ssl_cert_file = p.cert
  cfg.api.restapi.ssl_key_file = p.key
  writeFileSync(file, JSON.stringify(cfg, null, 2))
  const proc = spawn(NODE, [SERVICE_BIN, '--config', dir, 'daemon'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  proc.stderr?.on('data', (c: Buffer) => { stderr += c.toString() })
  let exited = false
  proc.on('exit', () => { exited = true })
  const deadline = Date.now() + 90_000
  while (true) {
    if (exited) throw new Error(`daemon exited before its HTTPS API answered: ${stderr.slice(-2000)}`)
    try {
      const r = await request(`${url}/version`, { insecure: true })
      if (r.status === 200) break
    } catch { /* not yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error('HTTPS API not ready after 90 s')
    }
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  return { proc, dir, url }
}

async function stop (d: TlsDaemon | undefined): Promise<void> {
  if (d == null) return
  if (d.proc.exitCode == null) {
    const exit = new Promise(resolve => d.proc.once('exit', resolve))
    d.proc.kill('SIGTERM')
    await exit
  }
  rmSync(d.dir, { recursive: true, force: true })
}

describe('REST API over TLS', { timeout: 300_000 }, () => {
  const daemons: TlsDaemon[] = []
  after(async () => { for (const d of daemons) await stop(d) })

  it('serves HTTPS with certificate paths relative to the config folder', async () => {
    const d = await startTlsDaemon(() => ({ cert: 'cert.pem', key: 'key.pem' }))
    daemons.push(d)
    const r = await request(`${d.url}/version`, { insecure: true })
    assert.equal(r.status, 200)
    assert.deepEqual(json(r), { version: '1.1.6' })
    // plain HTTP on the TLS port is not served
    await assert.rejects(request(d.url.replace('https:', 'http:') + '/version').then(x => {
      if (x.status === 200) throw new Error('plain HTTP answered 200')
      throw new Error(`status ${x.status}`)
    }))
  })

  it('serves HTTPS with absolute certificate paths', async () => {
    const d = await startTlsDaemon(dir => ({ cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') }))
    daemons.push(d)
    const r = await request(`${d.url}/id`, { insecure: true })
    assert.equal(r.status, 200)
    assert.equal(typeof json(r).id, 'string')
  })
})
