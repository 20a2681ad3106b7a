// Every REST route and its bad inputs (§3.2/§3.3 of the upstream reference), against a real
// daemon started by the harness, over plain node:http.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { startDaemon } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { json, multipart, ndjson, request } from './http.js'

// "hello world\n" as `ipfs add` stores it (CIDv0, balanced layout, 256 KiB chunks)
const HELLO = 'hello world\n'
const HELLO_CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
// a valid CID of content nobody has
const OTHER_CID = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`restapi ${Date.now()}`))).toString()

describe('REST API routes', { timeout: 300_000 }, () => {
  let d: DaemonHandle
  let api: string

  before(async () => {
    d = await startDaemon({
      configure: json => {
        json.api.restapi.headers = { 'X-Test-Header': ['one', 'two'] }
      }
    })
    api = d.apiUrl
  })

  after(async () => {
    await d?.stop()
    d?.cleanup()
  })

  describe('identity', () => {
    it('GET /id returns this peer with the configured headers', async () => {
      const r = await request(`${api}/id`)
      assert.equal(r.status, 200)
      assert.equal(r.headers['content-type'], 'application/json')
      assert.deepEqual(r.all['x-test-header'], ['one', 'two'])
      const id = json(r)
      assert.equal(id.id, d.peerId)
      assert.equal(id.version, '1.1.6')
      assert.equal(id.rpc_protocol_version, '/ipfscluster/1.0/rpc')
      assert.ok(Array.isArray(id.cluster_peers))
    })

    it('GET /version', async () => {
      const r = await request(`${api}/version`)
      assert.equal(r.status, 200)
      assert.deepEqual(json(r), { version: '1.1.6' })
    })

    it('GET /peers streams NDJSON with the X-Stream-Error trailer', async () => {
      const r = await request(`${api}/peers`)
      assert.equal(r.status, 200)
      assert.equal(r.headers.trailer, 'X-Stream-Error')
      assert.equal(r.trailers['x-stream-error'], '')
      const peers = ndjson(r)
      assert.equal(peers.length, 1)
      assert.equal(peers[0].id, d.peerId)
    })
  })

  describe('peers', () => {
    it('POST /peers with a body that is not JSON → 400 error decoding request body', async () => {
      const r = await request(`${api}/peers`, { method: 'POST', body: '{not json' })
      assert.equal(r.status, 400)
      assert.deepEqual(json(r), { code: 400, message: 'error decoding request body' })
    })

    it('POST /peers without a body → 400 error decoding request body', async () => {
      const r = await request(`${api}/peers`, { method: 'POST' })
      assert.equal(r.status, 400)
      assert.equal(json(r).message, 'error decoding request body')
    })

    it('POST /peers with a bad peer_id → 400 error decoding peer_id', async () => {
      const r = await request(`${api}/peers`, { method: 'POST', body: '{"peer_id":"not-a-peer"}', headers: { 'content-type': 'application/json' } })
      assert.equal(r.status, 400)
      assert.deepEqual(json(r), { code: 400, message: 'error decoding peer_id' })
    })

    it('DELETE /peers/{bad id} → 400 error decoding Peer ID', async () => {
      const r = await request(`${api}/peers/not-a-peer`, { method: 'DELETE' })
      assert.equal(r.status, 400)
      assert.match(json(r).message, /^error decoding Peer ID: /)
    })
  })

  describe('add', () => {
    it('an upload that fails early still gets its error, while the client is sending the rest', { timeout: 60_000 }, async () => {
      // the parser fails after the first part (garbage after its boundary) with 48 MiB still to
      // come: the answer must reach the client whole, its trailer naming the error, not a reset
      const head = Buffer.from('--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n--b garbage\r\n')
      const filler = Buffer.alloc(1024 * 1024, 0x61)
      for (let round = 0; round < 3; round++) {
        const answer = await new Promise<{ status: number, body: string, trailer: string }>((resolve, reject) => {
          let sent: Promise<void> = Promise.resolve()
          const req = http.request(`${api}/add`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b' } }, res => {
            // read only once the upload is done, as a client that sends first and reads after
            // does: what the server answered waits unread in the socket meanwhile
            res.pause()
            void sent.then(() => res.resume())
            const chunks: Buffer[] = []
            res.on('data', (c: Buffer) => chunks.push(c))
            res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), trailer: String(res.trailers['x-stream-error'] ?? '') }) })
            res.on('close', () => { if (!res.complete) reject(new Error('the answer was cut off')) })
          })
          // the server may stop reading once it answered: a failed write is not the test's concern
          req.on('error', () => {})
          const send = async (): Promise<void> => {
            if (!req.write(head)) await new Promise(resolve => req.once('drain', resolve))
            for (let i = 0; i < 48 && !req.destroyed; i++) {
              if (!req.write(filler)) await new Promise(resolve => { req.once('drain', resolve); req.once('close', resolve) })
            }
            req.end()
          }
          sent = send()
        })
        assert.equal(answer.status, 200)
        assert.match(answer.trailer, /boundary followed by garbage/)
      }
    })

    it('a body that is not multipart → 400', async () => {
      const r = await request(`${api}/add`, { method: 'POST', body: HELLO, headers: { 'content-type': 'text/plain' } })
      assert.equal(r.status, 400)
      assert.deepEqual(json(r), { code: 400, message: "request Content-Type isn't multipart/form-data" })
    })

    it('an invalid layout → 400 layout parameter is invalid', async () => {
      const m = multipart([{ filename: 'hello.txt', content: HELLO }])
      const r = await request(`${api}/add?layout=pyramid`, { method: 'POST', body: m.body, headers: { 'content-type': m.contentType } })
      assert.equal(r.status, 400)
      assert.deepEqual(json(r), { code: 400, message: 'layout parameter is invalid' })
    })

    it('an invalid format → 400 format parameter is invalid', async () => {
      const m = multipart([{ filename: 'hello.txt', content: HELLO }])
      const r = await request(`${api}/add?format=zip`, { method: 'POST', body: m.body, headers: { 'content-type': m.contentType } })
      assert.equal(r.status, 400)
      assert.equal(json(r).message, 'format parameter is invalid')
    })

    it('an invalid boolean → 400 parameter <name> invalid', async () => {
      const m = multipart([{ filename: 'hello.txt', content: HELLO }])
      const r = await request(`${api}/add?wrap-with-directory=maybe`, { method: 'POST', body: m.body, headers: { 'content-type': m.contentType } })
      assert.equal(r.status, 400)
      assert.equal(json(r).message, 'parameter wrap-with-directory invalid')
    })

    it('streams one AddedOutput per line with the upstream headers and an empty trailer', async () => {
      const m = multipart([{ filename: 'hello.txt', content: HELLO }])
      const r = await request(`${api}/add`, { method: 'POST', body: m.body, headers: { 'content-type': m.contentType } })
      assert.equal(r.status, 200)
      assert.equal(r.headers['content-type'], 'application/json')
      assert.equal(r.headers['x-chunked-output'], '1')
      assert.equal(r.headers['cache-control'], 'no-cache')
      assert.equal(r.headers.trailer, 'X-Stream-Error')
      assert.equal(r.trailers['x-stream-error'], '')
      const out = ndjson(r)
      assert.equal(out.length, 1)
      assert.equal(out[0].name, 'hello.txt')
      assert.equal(out[0].cid, HELLO_CID)
    })

    it('stream-channels=false answers one JSON array', async () => {
      const m = multipart([{ filename: 'hello.txt', content: HELLO }])
      const r = await request(`${api}/add?stream-channels=false`, { method: 'POST', body: m.body, headers: { 'content-type': m.contentType } })
      assert.equal(r.status, 200)
      const out = json(r)
      assert.ok(Array.isArray(out))
      assert.equal(out.length, 1)
      assert.equal(out[0].cid, HELLO_CID)
    })

    it('a failing add, streaming: 200 with the error in the X-Stream-Error trailer', async () => {
      const m = multipart([{ filename: 'hello.txt', content: HELLO }])
      const r = await request(`${api}/add?hash=no-such-hash`, { method: 'POST', body: m.body, headers: { 'content-type': m.contentType } })
      assert.equal(r.status, 200)
      assert.equal(r.headers.trailer, 'X-Stream-Error')
      assert.notEqual(r.trailers['x-stream-error'] ?? '', '')
    })

    it('a failing add, stream-channels=false: 500 with the error body', async () => {
      const m = multipart([{ filename: 'hello.txt', content: HELLO }])
      const r = await request(`${api}/add?hash=no-such-hash&stream-channels=false`, { method: 'POST', body: m.body, headers: { 'content-type': m.contentType } })
      assert.equal(r.status, 500)
      const body = json(r)
      assert.equal(body.code, 500)
      assert.equal(typeof body.message, 'string')
      assert.notEqual(body.message, '')
    })

    it('a 20 MB upload streams through and ends with an empty trailer', async () => {
      const big = Buffer.alloc(20 * 1024 * 1024)
      for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i)
      const m = multipart([{ filename: 'big.bin', content: big }])
      const r = await request(`${api}/add`, { method: 'POST', body: m.body, headers: { 'content-type': m.contentType } })
      assert.equal(r.status, 200)
      assert.equal(r.trailers['x-stream-error'], '')
      const out = ndjson(r)
      assert.equal(out.length, 1)
      assert.equal(out[0].name, 'big.bin')
      assert.match(out[0].cid, /^Qm/)
    })

    it('the added content is in the pinset', async () => {
      const r = await request(`${api}/allocations/${HELLO_CID}`)
      assert.equal(r.status, 200)
      assert.equal(json(r).cid, HELLO_CID)
    })
  })

  describe('allocations', () => {
    it('GET /allocations lists the pinset as NDJSON', async () => {
      const r = await request(`${api}/allocations`)
      assert.equal(r.status, 200)
      assert.equal(r.trailers['x-stream-error'], '')
      assert.ok(ndjson(r).some(p => p.cid === HELLO_CID && p.type === 'pin'))
    })

    it('an unknown filter → 400 invalid filter value', async () => {
      const r = await request(`${api}/allocations?filter=bogus`)
      assert.equal(r.status, 400)
      assert.deepEqual(json(r), { code: 400, message: 'invalid filter value' })
    })

    it('a filter with at least one known value is accepted', async () => {
      const r = await request(`${api}/allocations?filter=bogus,pin`)
      assert.equal(r.status, 200)
      assert.ok(ndjson(r).some(p => p.cid === HELLO_CID))
    })

    it('a filter that matches nothing → 204', async () => {
      const r = await request(`${api}/allocations?filter=shard-pin`)
      assert.equal(r.status, 204)
      assert.equal(r.body, '')
    })

    it('GET /allocations/{malformed cid} → 400 error decoding Cid', async () => {
      const r = await request(`${api}/allocations/not-a-cid`)
      assert.equal(r.status, 400)
      assert.match(json(r).message, /^error decoding Cid: /)
    })

    it('GET /allocations/{unknown cid} → 404 pin is not part of the pinset', async () => {
      const r = await request(`${api}/allocations/${OTHER_CID}`)
      assert.equal(r.status, 404)
      assert.deepEqual(json(r), { code: 404, message: 'pin is not part of the pinset' })
    })
  })

  describe('pins', () => {
    it('GET /pins streams GlobalPinInfo', async () => {
      const r = await request(`${api}/pins`)
      assert.equal(r.status, 200)
      const items = ndjson(r)
      const hello = items.find(i => i.cid === HELLO_CID)
      assert.ok(hello != null)
      assert.ok(hello.peer_map[d.peerId] != null)
    })

    it('GET /pins?local=true answers this peer only', async () => {
      const r = await request(`${api}/pins?local=true`)
      assert.equal(r.status, 200)
      for (const i of ndjson(r)) assert.deepEqual(Object.keys(i.peer_map), [d.peerId])
    })

    it('an unknown status filter → 400 invalid filter value', async () => {
      const r = await request(`${api}/pins?filter=sleeping`)
      assert.equal(r.status, 400)
      assert.equal(json(r).message, 'invalid filter value')
    })

    it('a status filter that matches nothing → 204', async () => {
      const r = await request(`${api}/pins?filter=unpin_error`)
      assert.equal(r.status, 204)
      assert.equal(r.body, '')
    })

    it('cids= answers those CIDs', async () => {
      const r = await request(`${api}/pins?cids=${HELLO_CID},${OTHER_CID}&filter=ignored-when-cids`)
      assert.equal(r.status, 200)
      const items = ndjson(r)
      assert.deepEqual(items.map(i => i.cid).sort(), [HELLO_CID, OTHER_CID].sort())
    })

    it('cids= with a malformed CID → 400', async () => {
      const r = await request(`${api}/pins?cids=${HELLO_CID},nope`)
      assert.equal(r.status, 400)
      assert.match(json(r).message, /^error decoding Cid: /)
    })

    it('GET /pins/{cid} of an unknown CID reports it unpinned (never 404)', async () => {
      const r = await request(`${api}/pins/${OTHER_CID}`)
      assert.equal(r.status, 200)
      const gpi = json(r)
      assert.equal(gpi.cid, OTHER_CID)
      assert.equal(gpi.peer_map[d.peerId].status, 'unpinned')
    })

    it('GET /pins/{malformed} → 400', async () => {
      const r = await request(`${api}/pins/xyz`)
      assert.equal(r.status, 400)
      assert.match(json(r).message, /^error decoding Cid: /)
    })

    it('POST /pins/{cid} with an invalid replication → 400 and nothing is pinned', async () => {
      const r = await request(`${api}/pins/${OTHER_CID}?replication-min=lots`, { method: 'POST' })
      assert.equal(r.status, 400)
      assert.deepEqual(json(r), { code: 400, message: 'parameter replication-min invalid' })
      const g = await request(`${api}/allocations/${OTHER_CID}`)
      assert.equal(g.status, 404)
    })

    it('POST /pins/{cid} with an invalid replication= → 400', async () => {
      const r = await request(`${api}/pins/${OTHER_CID}?replication=x`, { method: 'POST' })
      assert.equal(r.status, 400)
      assert.equal(json(r).message, 'parameter replication invalid')
    })

    it('POST /pins/{cid} with an invalid shard-size or expire-at → 400', async () => {
      let r = await request(`${api}/pins/${OTHER_CID}?shard-size=-5`, { method: 'POST' })
      assert.equal(r.status, 400)
      assert.equal(json(r).message, 'parameter shard_size is invalid')
      r = await request(`${api}/pins/${OTHER_CID}?expire-at=tomorrow`, { method: 'POST' })
      assert.equal(r.status, 400)
    })

    it('POST /pins/{malformed} → 400', async () => {
      const r = await request(`${api}/pins/notacid`, { method: 'POST' })
      assert.equal(r.status, 400)
      assert.match(json(r).message, /^error decoding Cid: /)
    })

    it('POST /pins/{cid} pins with the query options, DELETE unpins', async () => {
      const r = await request(`${api}/pins/${OTHER_CID}?name=other&meta-color=blue&replication-min=-1&replication-max=-1`, { method: 'POST' })
      assert.equal(r.status, 200, r.body)
      const pin = json(r)
      assert.equal(pin.cid, OTHER_CID)
      assert.equal(pin.name, 'other')
      assert.deepEqual(pin.metadata, { color: 'blue' })
      const g = await request(`${api}/allocations/${OTHER_CID}`)
      assert.equal(g.status, 200)
      assert.equal(json(g).name, 'other')
      const u = await request(`${api}/pins/${OTHER_CID}`, { method: 'DELETE' })
      assert.equal(u.status, 200)
      assert.equal(json(u).cid, OTHER_CID)
      const again = await request(`${api}/pins/${OTHER_CID}`, { method: 'DELETE' })
      assert.equal(again.status, 404)
      assert.deepEqual(json(again), { code: 404, message: 'pin is not part of the pinset' })
    })

    it('POST /pins/ipfs/{path} pins through the path route, DELETE unpins', async () => {
      // content the peer has (added without pinning), so that resolving the path is local
      const m = multipart([{ filename: 'path.txt', content: 'pinned by path\n' }])
      const a = await request(`${api}/add?no-pin=true`, { method: 'POST', body: m.body, headers: { 'content-type': m.contentType } })
      assert.equal(a.status, 200, a.body)
      const cid = ndjson(a)[0].cid as string
      const r = await request(`${api}/pins/ipfs/${cid}?name=bypath`, { method: 'POST' })
      assert.equal(r.status, 200, r.body)
      assert.equal(json(r).cid, cid)
      assert.equal(json(r).name, 'bypath')
      const u = await request(`${api}/pins/ipfs/${cid}`, { method: 'DELETE' })
      assert.equal(u.status, 200, u.body)
      assert.equal(json(u).cid, cid)
    })

    it('a path whose root is not a CID → 400 error parsing path', async () => {
      const r = await request(`${api}/pins/ipfs/notacid/file`, { method: 'POST' })
      assert.equal(r.status, 400)
      assert.match(json(r).message, /^error parsing path: /)
    })

    it('a single segment after /pins/ is a hash, even "ipfs"', async () => {
      const r = await request(`${api}/pins/ipfs`, { method: 'POST' })
      assert.equal(r.status, 400)
      assert.match(json(r).message, /^error decoding Cid: /)
    })

    it('POST /pins/recover is RecoverAll: nothing to recover → 204', async () => {
      const r = await request(`${api}/pins/recover`, { method: 'POST' })
      assert.equal(r.status, 204)
    })

    it('POST /pins/{cid}/recover answers a GlobalPinInfo', async () => {
      const r = await request(`${api}/pins/${HELLO_CID}/recover`, { method: 'POST' })
      assert.equal(r.status, 200, r.body)
      assert.equal(json(r).cid, HELLO_CID)
    })
  })

  describe('health and monitoring', () => {
    it('GET /health → 204', async () => {
      const r = await request(`${api}/health`)
      assert.equal(r.status, 204)
    })

    it('GET /health/graph', async () => {
      const r = await request(`${api}/health/graph`)
      assert.equal(r.status, 200)
      assert.equal(json(r).cluster_id, d.peerId)
    })

    it('GET /health/alerts → array', async () => {
      const r = await request(`${api}/health/alerts`)
      assert.equal(r.status, 200)
      const body = json(r)
      assert.ok(body === null || Array.isArray(body))
    })

    it('GET /health/bandwidth → object', async () => {
      const r = await request(`${api}/health/bandwidth`)
      assert.equal(r.status, 200, r.body)
      assert.equal(typeof json(r), 'object')
    })

    it('GET /monitor/metrics lists names; /monitor/metrics/{name} lists metrics', async () => {
      const names = await request(`${api}/monitor/metrics`)
      assert.equal(names.status, 200)
      assert.ok(Array.isArray(json(names)))
      const ping = await request(`${api}/monitor/metrics/ping`)
      assert.equal(ping.status, 200)
      const unknown = await request(`${api}/monitor/metrics/no-such-metric`)
      assert.equal(unknown.status, 200)
      assert.deepEqual(json(unknown) ?? [], [])
    })

    it('POST /ipfs/gc?local=true answers under this peer', async () => {
      const r = await request(`${api}/ipfs/gc?local=true`, { method: 'POST' })
      assert.equal(r.status, 200, r.body)
      assert.ok(json(r).peer_map[d.peerId] != null)
    })

    it('POST /token without configured credentials → 401 unauthorized', async () => {
      const r = await request(`${api}/token`, { method: 'POST' })
      assert.equal(r.status, 401)
      assert.deepEqual(json(r), { code: 401, message: 'unauthorized' })
    })
  })
})
