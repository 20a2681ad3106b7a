// Basic auth, JWT bearer tokens and POST /token (§3.1), and a non-default CORS setup, against
// a real daemon with basic_auth_credentials.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { startDaemon } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { basic, json, request } from './http.js'

const REALM = 'Restricted IPFS Cluster API'

/** An HS256 JWT built independently of the server code. */
function jwt (claims: Record<string, unknown>, key: string, alg = 'HS256'): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  const input = `${enc({ alg, typ: 'JWT' })}.${enc(claims)}`
  const sig = alg === 'none' ? '' : createHmac('sha256', key).update(input).digest('base64url')
  return `${input}.${sig}`
}

const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` })

describe('REST API authentication', { timeout: 300_000 }, () => {
  let d: DaemonHandle
  let api: string

  before(async () => {
    d = await startDaemon({
      configure: json => {
        const r = json.api.restapi
        r.basic_auth_credentials = { alice: 'secret', bob: 'hunter2' }
        r.cors_allowed_origins = ['http://good.example', 'https://*.apps.example']
        r.cors_allowed_methods = ['GET', 'POST']
        r.cors_max_age = '1m0s'
      }
    })
    api = d.apiUrl
  })

  after(async () => {
    await d?.stop()
    d?.cleanup()
  })

  it('no credentials → 401 with both challenges', async () => {
    const r = await request(`${api}/id`)
    assert.equal(r.status, 401)
    assert.deepEqual(json(r), { code: 401, message: 'unauthorized: no auth provided' })
    assert.deepEqual(r.all['www-authenticate'], [`Bearer realm="${REALM}"`, `Basic realm="${REALM}"`])
  })

  it('wrong basic credentials → 401 access denied with the Basic challenge', async () => {
    for (const auth of [basic('alice', 'wrong'), basic('mallory', 'secret'), basic('alice', '')]) {
      const r = await request(`${api}/id`, { headers: { authorization: auth } })
      assert.equal(r.status, 401)
      assert.deepEqual(json(r), { code: 401, message: 'unauthorized: access denied' })
      assert.equal(r.headers['www-authenticate'], `Basic realm="${REALM}"`)
    }
  })

  it('right basic credentials pass', async () => {
    const r = await request(`${api}/id`, { headers: { authorization: basic('bob', 'hunter2') } })
    assert.equal(r.status, 200)
    assert.equal(json(r).id, d.peerId)
  })

  it('a bad bearer token → 401 invalid token', async () => {
    const now = Math.floor(Date.now() / 1000)
    const bad = [
      'garbage',
      jwt({ iss: 'alice' }, 'not-the-password'),
      jwt({ iss: 'mallory' }, 'secret'),
      jwt({ iss: 'alice', exp: now - 60 }, 'secret'),
      jwt({ iss: 'alice', nbf: now + 3600 }, 'secret'),
      jwt({ iss: 'alice' }, 'secret', 'none')
    ]
    for (const t of bad) {
      const r = await request(`${api}/id`, { headers: bearer(t) })
      assert.equal(r.status, 401, t)
      assert.deepEqual(json(r), { code: 401, message: 'unauthorized: invalid token' })
      assert.equal(r.headers['www-authenticate'], `Bearer realm="${REALM}", error="invalid_token"`)
    }
  })

  it('a token signed with the issuer password passes (also with a future expiry)', async () => {
    const now = Math.floor(Date.now() / 1000)
    for (const t of [jwt({ iss: 'alice' }, 'secret'), jwt({ iss: 'bob', exp: now + 3600 }, 'hunter2')]) {
      const r = await request(`${api}/version`, { headers: bearer(t) })
      assert.equal(r.status, 200)
    }
  })

  it('POST /token issues an HS256 token with only iss, usable as bearer', async () => {
    const r = await request(`${api}/token`, { method: 'POST', headers: { authorization: basic('alice', 'secret') } })
    assert.equal(r.status, 200)
    const { token } = json(r)
    const [h, p, s] = token.split('.')
    assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url').toString()), { alg: 'HS256', typ: 'JWT' })
    assert.deepEqual(JSON.parse(Buffer.from(p, 'base64url').toString()), { iss: 'alice' })
    assert.equal(s, createHmac('sha256', 'secret').update(`${h}.${p}`).digest('base64url'))
    const use = await request(`${api}/peers`, { headers: bearer(token) })
    assert.equal(use.status, 200)
    // a token gets a token for its issuer
    const again = await request(`${api}/token`, { method: 'POST', headers: bearer(token) })
    assert.equal(again.status, 200)
    assert.equal(json(again).token, token)
  })

  it('POST /token without credentials → 401', async () => {
    const r = await request(`${api}/token`, { method: 'POST' })
    assert.equal(r.status, 401)
    assert.equal(json(r).message, 'unauthorized: no auth provided')
  })

  it('GET /health and OPTIONS bypass authentication; other /health/* do not', async () => {
    assert.equal((await request(`${api}/health`)).status, 204)
    const pre = await request(`${api}/pins`, { method: 'OPTIONS', headers: { origin: 'http://good.example', 'access-control-request-method': 'POST' } })
    assert.equal(pre.status, 204)
    assert.equal((await request(`${api}/health/graph`)).status, 401)
    assert.equal((await request(`${api}/pins/`)).status, 401)
  })

  describe('configured CORS', () => {
    const preflight = async (origin: string, method: string): Promise<Awaited<ReturnType<typeof request>>> =>
      await request(`${api}/pins`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method } })

    it('allows the listed origins (with wildcards) and methods, with max age', async () => {
      for (const origin of ['http://good.example', 'https://ui.apps.example']) {
        const r = await preflight(origin, 'POST')
        assert.equal(r.status, 204)
        assert.equal(r.headers['access-control-allow-origin'], origin)
        assert.equal(r.headers['access-control-allow-methods'], 'POST')
        assert.equal(r.headers['access-control-max-age'], '60')
      }
    })

    it('grants nothing to other origins or methods', async () => {
      assert.equal((await preflight('http://evil.example', 'GET')).headers['access-control-allow-origin'], undefined)
      assert.equal((await preflight('http://good.example', 'DELETE')).headers['access-control-allow-origin'], undefined)
      const actual = await request(`${api}/id`, { headers: { origin: 'http://evil.example', authorization: basic('alice', 'secret') } })
      assert.equal(actual.status, 200)
      assert.equal(actual.headers['access-control-allow-origin'], undefined)
    })
  })
})
