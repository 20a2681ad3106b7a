// Server behaviour shared by every route (§3.1): 404/405, strict slash, CORS with the defaults,
// configured headers, max_header_bytes, several listeners (unix socket, port 0) and the access
// log — against a real daemon.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDaemon } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { json, ndjson, request } from './http.js'

const HELLO_CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
const ORIGIN = 'http://webui.example'

describe('REST API server', { timeout: 300_000 }, () => {
  let d: DaemonHandle
  let api: string
  const tmp = mkdtempSync(join(tmpdir(), 'restapi-server-'))
  const socket = join(tmp, 'api.sock')
  const accessLog = join(tmp, 'access.log')

  before(async () => {
    d = await startDaemon({
      configure: json => {
        const r = json.api.restapi
        r.http_listen_multiaddress = [r.http_listen_multiaddress, `/unix${socket}`, '/ip4/127.0.0.1/tcp/0']
        r.headers = { 'X-Cluster-Test': ['yes'] }
        r.http_log_file = accessLog
      }
    })
    api = d.apiUrl
  })

  after(async () => {
    await d?.stop()
    d?.cleanup()
    rmSync(tmp, { recursive: true, force: true })
  })

  describe('routing', () => {
    it('an unknown path → 404 with the API error body', async () => {
      const r = await request(`${api}/no/such/thing`)
      assert.equal(r.status, 404)
      assert.equal(r.headers['content-type'], 'application/json')
      assert.deepEqual(json(r), { code: 404, message: 'not found' })
    })

    it('a known path with another method → 405 and an empty body', async () => {
      for (const [method, path] of [['DELETE', '/version'], ['PUT', `/pins/${HELLO_CID}`], ['GET', '/add'], ['POST', '/id'], ['HEAD', '/id'], ['GET', '/token']]) {
        const r = await request(`${api}${path}`, { method })
        assert.equal(r.status, 405, `${method} ${path}`)
        assert.equal(r.body, '')
      }
    })

    it('OPTIONS that is not a preflight reaches the router', async () => {
      assert.equal((await request(`${api}/id`, { method: 'OPTIONS' })).status, 405)
      assert.equal((await request(`${api}/nope`, { method: 'OPTIONS' })).status, 404)
    })

    it('a trailing slash → 307 to the path without it, query kept', async () => {
      const r = await request(`${api}/pins/?filter=pinned&local=true`)
      assert.equal(r.status, 307)
      assert.equal(r.headers.location, '/pins?filter=pinned&local=true')
      const p = await request(`${api}/pins/${HELLO_CID}/?name=x`, { method: 'POST' })
      assert.equal(p.status, 307)
      assert.equal(p.headers.location, `/pins/${HELLO_CID}?name=x`)
      const unknown = await request(`${api}/nothing/here/`)
      assert.equal(unknown.status, 307)
    })
  })

  describe('headers', () => {
    it('configured headers are on JSON, error and streamed answers', async () => {
      for (const path of ['/id', '/nope', '/peers']) {
        const r = await request(`${api}${path}`)
        assert.deepEqual(r.all['x-cluster-test'], ['yes'], path)
        assert.equal(r.headers['content-type'], 'application/json', path)
      }
    })

    it('a header block over max_header_bytes is refused with 431', async () => {
      const r = await request(`${api}/id`, { headers: { 'X-Big': 'a'.repeat(5000) } })
      assert.equal(r.status, 431)
      const ok = await request(`${api}/id`, { headers: { 'X-Small': 'a'.repeat(2000) } })
      assert.equal(ok.status, 200)
    })
  })

  describe('CORS (defaults: any origin, GET, credentials)', () => {
    it('a preflight for an allowed method → 204 echoing the origin', async () => {
      const r = await request(`${api}/pins`, {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-requested-with, content-type' }
      })
      assert.equal(r.status, 204)
      assert.equal(r.headers['access-control-allow-origin'], ORIGIN)
      assert.equal(r.headers['access-control-allow-methods'], 'GET')
      assert.equal(r.headers['access-control-allow-headers'], 'X-Requested-With, Content-Type')
      assert.equal(r.headers['access-control-allow-credentials'], 'true')
      assert.equal(r.headers['access-control-max-age'], undefined)
    })

    it('a preflight for a method or header not allowed → 204 without CORS grants', async () => {
      const m = await request(`${api}/pins`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'DELETE' } })
      assert.equal(m.status, 204)
      assert.equal(m.headers['access-control-allow-origin'], undefined)
      const h = await request(`${api}/pins`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'X-Secret' } })
      assert.equal(h.status, 204)
      assert.equal(h.headers['access-control-allow-origin'], undefined)
    })

    it('an actual request gets the origin, exposed headers and credentials', async () => {
      const r = await request(`${api}/id`, { headers: { origin: ORIGIN } })
      assert.equal(r.status, 200)
      assert.equal(r.headers['access-control-allow-origin'], ORIGIN)
      assert.equal(r.headers['access-control-expose-headers'], 'Content-Type, X-Stream-Output, X-Chunked-Output, X-Content-Length')
      assert.equal(r.headers['access-control-allow-credentials'], 'true')
      assert.match(String(r.headers.vary), /Origin/)
    })

    it('a request with a method outside the allowed ones gets no CORS grant', async () => {
      const r = await request(`${api}/pins/${HELLO_CID}`, { method: 'DELETE', headers: { origin: ORIGIN } })
      assert.equal(r.headers['access-control-allow-origin'], undefined)
    })
  })

  describe('listeners', () => {
    it('serves on the unix socket', async () => {
      const r = await request('http://localhost/version', { socketPath: socket })
      assert.equal(r.status, 200)
      assert.deepEqual(json(r), { version: '1.1.6' })
    })

    it('port 0 binds a real port, which is reported and served', async () => {
      const configured = Number(new URL(api).port)
      const ports = [...d.log().matchAll(/RESTAPI \(HTTP\): \/ip4\/127\.0\.0\.1\/tcp\/(\d+)/g)].map(m => Number(m[1]))
      const dynamic = ports.find(p => p !== configured && p !== 0)
      assert.ok(dynamic != null, `no dynamic port in the log: ${ports.join(',')}`)
      const r = await request(`http://127.0.0.1:${dynamic}/peers`)
      assert.equal(r.status, 200)
      assert.equal(ndjson(r)[0].id, d.peerId)
    })

    it('writes the access log in common log format', async () => {
      await request(`${api}/version?probe=access-log`)
      // the line is written when the response closes
      await new Promise(resolve => setTimeout(resolve, 200))
      const text = readFileSync(accessLog, 'utf8')
      assert.match(text, /^127\.0\.0\.1 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET \/version\?probe=access-log HTTP\/1\.1" 200 20$/m)
    })
  })
})
