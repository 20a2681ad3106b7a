// The Pinning Service API (§4.1 of the upstream reference) against a real daemon with an
// `api.pinsvcapi` section: routes, filters, status mapping, the pinsvc error body, and the
// common layer's auth / CORS / strict slash on this API.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import * as dagPb from '@ipld/dag-pb'
import { sha256 } from 'multiformats/hashes/sha2'
import { freePort, startDaemon } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { waitFor } from '../harness/wait.js'
import { basic, json, multipart, ndjson, request } from '../restapi/http.js'
import type { HttpResult, RequestOptions } from '../restapi/http.js'

const USER = 'pinner'
const PASS = 'pinsvc-secret'
const AUTH = basic(USER, PASS)
const INFO = { source: 'IPFS cluster API', warning1: 'CID used for requestID. Conflicts possible', warning2: 'experimental' }

// content nobody has: its pin can only be queued / pinning / failed (dag-pb, because a pin has
// to fetch the root to find its links; a raw leaf is not fetched by the embedded IPFS's pin)
const MISSING = CID.createV1(dagPb.code, await sha256.digest(new TextEncoder().encode(`pinsvc missing ${Date.now()}`))).toString()

describe('Pinning Service API', { timeout: 300_000 }, () => {
  let d: DaemonHandle
  let svc: string
  let cidA: string
  let cidB: string

  /** A request to the pinsvc API, authenticated unless the headers say otherwise. */
  const call = async (path: string, opts: RequestOptions = {}): Promise<HttpResult> =>
    await request(`${svc}${path}`, { ...opts, headers: { authorization: AUTH, ...opts.headers } })
  const post = async (path: string, body: unknown): Promise<HttpResult> =>
    await call(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  const statusOf = async (cid: string): Promise<string | undefined> => {
    const r = await call(`/pins/${cid}`)
    return r.status === 200 ? json(r).status : undefined
  }

  /** Adds content through the REST API without pinning it, so that the blocks are local. */
  const addUnpinned = async (content: string): Promise<string> => {
    const m = multipart([{ filename: 'f.txt', content }])
    const r = await request(`${d.apiUrl}/add?no-pin=true`, { method: 'POST', body: m.body, headers: { 'content-type': m.contentType } })
    assert.equal(r.status, 200, r.body)
    return ndjson(r)[0].cid
  }

  before(async () => {
    const port = await freePort()
    d = await startDaemon({
      configure: j => {
        j.api.pinsvcapi = {
          http_listen_multiaddress: `/ip4/127.0.0.1/tcp/${port}`,
          basic_auth_credentials: { [USER]: PASS }
        }
      }
    })
    svc = `http://127.0.0.1:${port}`
    cidA = await addUnpinned(`pinsvc A ${Date.now()}\n`)
    cidB = await addUnpinned(`pinsvc B ${Date.now()}\n`)
  })

  after(async () => {
    await d?.stop()
    d?.cleanup()
  })

  describe('common layer', () => {
    it('GET /health needs no credentials → 204', async () => {
      const r = await request(`${svc}/health`)
      assert.equal(r.status, 204)
    })

    it('no credentials → 401 with the pinsvc error body and both challenges', async () => {
      const r = await request(`${svc}/pins`)
      assert.equal(r.status, 401)
      assert.equal(r.headers['content-type'], 'application/json')
      assert.deepEqual(json(r), { error: { reason: 'unauthorized: no auth provided' } })
      assert.deepEqual(r.all['www-authenticate'], [
        'Bearer realm="Restricted IPFS Cluster API"',
        'Basic realm="Restricted IPFS Cluster API"'
      ])
    })

    it('wrong password → 401 access denied', async () => {
      const r = await request(`${svc}/pins`, { headers: { authorization: basic(USER, 'nope') } })
      assert.equal(r.status, 401)
      assert.deepEqual(json(r), { error: { reason: 'unauthorized: access denied' } })
    })

    it('POST /token gives a JWT that authenticates as Bearer', async () => {
      const t = await call('/token', { method: 'POST' })
      assert.equal(t.status, 200)
      const token = json(t).token as string
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]*$/)
      const r = await request(`${svc}/pins`, { headers: { authorization: `Bearer ${token}` } })
      assert.equal(r.status, 200)
      const bad = await request(`${svc}/pins`, { headers: { authorization: 'Bearer not.a.token' } })
      assert.equal(bad.status, 401)
      assert.deepEqual(json(bad), { error: { reason: 'unauthorized: invalid token' } })
    })

    it('an unknown path → 404 {"error":{"reason":"not found"}}; a known path with another method → 405', async () => {
      const r = await call('/nothing-here')
      assert.equal(r.status, 404)
      assert.deepEqual(json(r), { error: { reason: 'not found' } })
      const m = await call('/pins', { method: 'PUT' })
      assert.equal(m.status, 405)
      assert.equal(m.body, '')
    })

    it('a trailing slash → 307 to the path without it, query kept', async () => {
      const r = await call('/pins/?limit=5')
      assert.equal(r.status, 307)
      assert.equal(r.headers.location, '/pins?limit=5')
    })

    it('CORS preflight is answered without credentials and echoes the origin', async () => {
      const r = await request(`${svc}/pins`, {
        method: 'OPTIONS',
        headers: { origin: 'http://example.com', 'access-control-request-method': 'GET' }
      })
      assert.ok(r.status === 200 || r.status === 204, `status ${r.status}`)
      assert.equal(r.headers['access-control-allow-origin'], 'http://example.com')
    })
  })

  describe('pins', () => {
    let created: string
    let createdMissing: string

    it('POST /pins → 200 PinStatus "queued" with delegates and info', async () => {
      const r = await post('/pins', { cid: cidA, name: 'Alpha File', origins: ['/ip4/127.0.0.1/tcp/4001'], meta: { app: 'pinsvc-test', n: '1' } })
      assert.equal(r.status, 200, r.body)
      assert.equal(r.headers['content-type'], 'application/json')
      const st = json(r)
      assert.deepEqual(Object.keys(st), ['requestid', 'status', 'created', 'pin', 'delegates', 'info'])
      assert.equal(st.requestid, cidA)
      assert.equal(st.status, 'queued')
      assert.ok(Date.parse(st.created) > Date.now() - 60_000, st.created)
      assert.deepEqual(st.pin, { cid: cidA, name: 'Alpha File', origins: ['/ip4/127.0.0.1/tcp/4001'], meta: { app: 'pinsvc-test', n: '1' } })
      assert.ok(Array.isArray(st.delegates) && st.delegates.length > 0, JSON.stringify(st.delegates))
      for (const a of st.delegates) assert.match(a, /^\/ip[46]\//)
      assert.deepEqual(st.info, INFO)
      created = st.created
    })

    it('GET /pins/{requestid} reaches "pinned"', async () => {
      await waitFor(async () => (await statusOf(cidA)) === 'pinned' ? true : undefined, 60_000)
      const st = json(await call(`/pins/${cidA}`))
      assert.equal(st.requestid, cidA)
      assert.equal(st.created, created)
      assert.deepEqual(st.pin, { cid: cidA, name: 'Alpha File', origins: ['/ip4/127.0.0.1/tcp/4001'], meta: { app: 'pinsvc-test', n: '1' } })
      assert.deepEqual(st.info, INFO)
      assert.ok(Array.isArray(st.delegates))
    })

    it('a pin of content nobody has is queued / pinning (or failed), never pinned', async () => {
      // a different millisecond than A's, for the date filters below
      await new Promise(resolve => setTimeout(resolve, 20))
      const r = await post('/pins', { cid: MISSING, name: 'missing thing' })
      assert.equal(r.status, 200, r.body)
      const st = json(r)
      assert.equal(st.status, 'queued')
      assert.equal(st.pin.origins, undefined)
      assert.equal(st.pin.meta, undefined)
      createdMissing = st.created
      assert.ok(['queued', 'pinning', 'failed'].includes((await statusOf(MISSING)) ?? ''))
    })

    it('GET /pins: every match counted, newest first, limit default 10', async () => {
      const r = await call('/pins')
      assert.equal(r.status, 200)
      const list = json(r)
      assert.deepEqual(Object.keys(list), ['count', 'results'])
      assert.equal(list.count, 2)
      assert.deepEqual(list.results.map((s: any) => s.requestid), [MISSING, cidA])
    })

    it('limit caps the results, not the count', async () => {
      const list = json(await call('/pins?limit=1'))
      assert.equal(list.count, 2)
      assert.deepEqual(list.results.map((s: any) => s.requestid), [MISSING])
    })

    it('before / after page by creation time', async () => {
      const older = json(await call(`/pins?before=${encodeURIComponent(createdMissing)}`))
      assert.deepEqual(older.results.map((s: any) => s.requestid), [cidA])
      const newer = json(await call(`/pins?after=${encodeURIComponent(created)}`))
      assert.deepEqual(newer.results.map((s: any) => s.requestid), [MISSING])
    })

    it('status filters on the aggregated status', async () => {
      const pinned = json(await call('/pins?status=pinned'))
      assert.deepEqual(pinned.results.map((s: any) => s.requestid), [cidA])
      const pending = json(await call('/pins?status=queued,pinning,failed'))
      assert.deepEqual(pending.results.map((s: any) => s.requestid), [MISSING])
    })

    it('name with each matching strategy', async () => {
      const names = async (q: string): Promise<string[]> => json(await call(`/pins?${q}`)).results.map((s: any) => s.requestid)
      assert.deepEqual(await names('name=Alpha%20File'), [cidA])
      assert.deepEqual(await names('name=alpha%20file'), [])
      assert.deepEqual(await names('name=alpha%20file&match=iexact'), [cidA])
      assert.deepEqual(await names('name=lpha&match=partial'), [cidA])
      assert.deepEqual(await names('name=LPHA&match=partial'), [])
      assert.deepEqual(await names('name=LPHA&match=ipartial'), [cidA])
    })

    it('meta must match every given pair', async () => {
      const m = (o: object): string => `/pins?meta=${encodeURIComponent(JSON.stringify(o))}`
      assert.equal(json(await call(m({ app: 'pinsvc-test' }))).count, 1)
      assert.equal(json(await call(m({ app: 'pinsvc-test', n: '1' }))).count, 1)
      assert.equal(json(await call(m({ app: 'pinsvc-test', n: '2' }))).count, 0)
    })

    it('cid lists the given CIDs only', async () => {
      const list = json(await call(`/pins?cid=${cidA}`))
      assert.equal(list.count, 1)
      assert.equal(list.results[0].requestid, cidA)
      const none = json(await call(`/pins?cid=${cidB}`))
      assert.deepEqual(none, { count: 0, results: [] })
    })

    it('POST /pins/{requestid} replaces the pin', async () => {
      const r = await post(`/pins/${cidA}`, { cid: cidB, name: 'Beta File' })
      assert.equal(r.status, 200, r.body)
      const st = json(r)
      assert.equal(st.requestid, cidB)
      assert.equal(st.status, 'queued')
      assert.equal(st.pin.cid, cidB)
      assert.equal(st.pin.name, 'Beta File')
      await waitFor(async () => (await statusOf(cidB)) === 'pinned' ? true : undefined, 60_000)
      const gone = await call(`/pins/${cidA}`)
      assert.equal(gone.status, 404)
      assert.deepEqual(json(gone), { error: { reason: 'pin not found' } })
    })

    it('DELETE /pins/{requestid} → 202 with no body; again → 404', async () => {
      const r = await call(`/pins/${cidB}`, { method: 'DELETE' })
      assert.equal(r.status, 202)
      assert.equal(r.body, '')
      const again = await call(`/pins/${cidB}`, { method: 'DELETE' })
      assert.equal(again.status, 404)
      assert.deepEqual(json(again), { error: { reason: 'pin is not part of the pinset' } })
      const m = await call(`/pins/${MISSING}`, { method: 'DELETE' })
      assert.equal(m.status, 202)
    })
  })

  describe('bad requests', () => {
    const reason = (r: HttpResult): string => json(r).error.reason

    it('a requestid that is not a CID → 400', async () => {
      for (const method of ['GET', 'DELETE']) {
        const r = await call('/pins/not-a-cid', { method })
        assert.equal(r.status, 400)
        assert.match(reason(r), /^error decoding requestID: /)
      }
      const p = await post('/pins/not-a-cid', { cid: cidA })
      assert.equal(p.status, 400)
      assert.match(reason(p), /^error decoding requestID: /)
    })

    it('GET /pins/{cid} of a CID outside the pinset → 404 pin not found', async () => {
      const r = await call(`/pins/${MISSING}`)
      assert.equal(r.status, 404)
      assert.deepEqual(json(r), { error: { reason: 'pin not found' } })
    })

    it('POST /pins bodies: not JSON, empty, no cid, bad cid, long name, bad origin → 400', async () => {
      const cases: Array<[string, RegExp]> = [
        ['{not json', /^error decoding request body: /],
        ['', /^error decoding request body: EOF$/],
        ['{}', /^error decoding request body: cid is required$/],
        ['{"cid":"nope"}', /^error decoding request body: /],
        [JSON.stringify({ cid: cidA, name: 'x'.repeat(256) }), /^error decoding request body: pin name is over 255 chars$/],
        [JSON.stringify({ cid: cidA, origins: ['not a multiaddr'] }), /^error decoding request body: /],
        [JSON.stringify({ cid: cidA, meta: { n: 1 } }), /^error decoding request body: /]
      ]
      for (const [body, re] of cases) {
        const r = await post('/pins', body)
        assert.equal(r.status, 400, body)
        assert.match(reason(r), re)
      }
    })

    it('GET /pins query: bad cid, status, dates, limit, meta, name → 400', async () => {
      const cases: Array<[string, RegExp]> = [
        ['cid=nope', /^error decoding cid nope: /],
        ['status=bogus', /^error decoding 'status' query param: no valid filter$/],
        ['before=yesterday', /^error decoding 'before' query param: /],
        ['after=2020-01-01', /^error decoding 'after' query param: /],
        ['limit=abc', /^error parsing 'limit' query param: /],
        ['limit=0', /^error in 'limit' query param: /],
        ['limit=1001', /^error in 'limit' query param: /],
        ['meta=%7Bbad', /^error unmarshalling 'meta' query param: /],
        [`name=${'n'.repeat(256)}`, /^error in 'name' query param: longer than 255 chars$/]
      ]
      for (const [q, re] of cases) {
        const r = await call(`/pins?${q}`)
        assert.equal(r.status, 400, q)
        assert.match(reason(r), re)
      }
      assert.equal((await call('/pins?limit=1000')).status, 200)
    })
  })
})
