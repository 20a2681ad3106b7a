// The KuboConnector's wire rules against a scripted kubo on a unix socket: pin_timeout counts
// time without progress (not total time), "not pinned" answers are not failures, kubo errors are
// typed, stream errors in the trailer surface, unpin_disable refuses, readiness polls id, and a
// block stream is one multipart request with the first block's prefix.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { newPin, defaultPinOptions } from '../../src/api/pin.js'
import { IpfsTimeoutError, IpfsError } from '../../src/ipfs/errors.js'
import { KuboApiError } from '../../src/ipfs/kubo/errors.js'
import { makeConnector } from './kubo-connector-suite.js'

const cidOf = async (s: string): Promise<string> => CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(s))).toString()
const SLOW = await cidOf('slow but moving')
const STUCK = await cidOf('stuck')

describe('KuboConnector wire behaviour (scripted kubo on a unix socket)', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubo-wire-'))
  const sock = join(dir, 'api.sock')
  let server: Server
  let idCalls = 0
  let blockPut: { query: URLSearchParams, parts: number } | undefined

  const error = (res: ServerResponse, status: number, message: string): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ Message: message, Code: 0, Type: 'error' }))
  }

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://kubo')
      const q = url.searchParams
      const cmd = url.pathname.replace('/api/v0/', '')
      if (cmd === 'id') {
        if (++idCalls < 3) return error(res, 500, 'not yet')
        res.end(JSON.stringify({ ID: '12D3KooWJKw4d1omcQnVyWpX74ppREGcrDcY9xhXMsPciKUXimqi', Addresses: ['/ip4/127.0.0.1/tcp/4001'] }))
        return
      }
      if (cmd === 'pin/ls' && q.get('arg') != null) return error(res, 500, `path '${q.get('arg') ?? ''}' is not pinned`)
      if (cmd === 'pin/ls') {
        res.writeHead(200, { Trailer: 'X-Stream-Error' })
        res.write(JSON.stringify({ Cid: SLOW, Type: 'recursive' }) + '\n')
        res.addTrailers({ 'X-Stream-Error': 'pinner broke' })
        res.end()
        return
      }
      if (cmd === 'pin/add') {
        res.writeHead(200)
        let n = 0
        const tick = setInterval(() => {
          if (q.get('arg') === STUCK) {
            if (n === 0) res.write(JSON.stringify({ Progress: ++n }) + '\n')
            return
          }
          res.write(JSON.stringify({ Progress: ++n }) + '\n')
          if (n === 6) {
            clearInterval(tick)
            res.end(JSON.stringify({ Pins: [q.get('arg')] }) + '\n')
          }
        }, 300)
        res.on('close', () => clearInterval(tick))
        return
      }
      if (cmd === 'pin/rm') return error(res, 500, 'not pinned or pinned indirectly')
      if (cmd === 'block/put') {
        let body = ''
        req.on('data', (c: Buffer) => { body += c.toString('latin1') })
        req.on('end', () => {
          const parts = body.split('Content-Disposition: form-data; name="file"; filename="').slice(1).map(p => p.slice(0, p.indexOf('"')))
          blockPut = { query: q, parts: parts.length }
          res.writeHead(200)
          for (const p of parts) res.write(JSON.stringify({ Key: decodeURIComponent(p), Size: 1 }) + '\n')
          res.end()
        })
        return
      }
      error(res, 404, `unknown command ${cmd}`)
    })
    await new Promise<void>(resolve => server.listen(sock, resolve))
  })

  after(async () => {
    await new Promise(resolve => server.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  it('polls id until kubo answers', async () => {
    const c = makeConnector(`/unix${sock}`)
    await c.start()
    try {
      await c.ready(AbortSignal.timeout(10_000))
      assert.ok(idCalls >= 3)
      assert.equal((await c.id()).error, '')
    } finally {
      await c.stop()
    }
  })

  it('pin_timeout is time without progress: a slow moving pin succeeds, a stuck one fails', async () => {
    const c = makeConnector(`/unix${sock}`, { pin_timeout: '1s' })
    try {
      const started = Date.now()
      await c.pin(newPin(SLOW, defaultPinOptions()))
      assert.ok(Date.now() - started > 1500, 'the pin outlived pin_timeout because it kept progressing')
      await assert.rejects(c.pin(newPin(STUCK, defaultPinOptions())), IpfsTimeoutError)
    } finally {
      await c.stop()
    }
  })

  it('"not pinned" answers are not failures; a trailer error surfaces; unpin_disable refuses', async () => {
    const c = makeConnector(`/unix${sock}`)
    try {
      assert.equal(await c.pinLsCid(SLOW), undefined)
      await c.unpin(SLOW)
      await assert.rejects(async () => { for await (const _ of c.pinLs(['recursive'])) { /* drain */ } }, (err: any) => err instanceof KuboApiError && /pinner broke/.test(err.message))
      await assert.rejects(c.swarmPeers(), (err: any) => err instanceof KuboApiError && err.status === 404 && err.kuboMessage === 'unknown command swarm/peers')
    } finally {
      await c.stop()
    }
    const noUnpin = makeConnector(`/unix${sock}`, { unpin_disable: true })
    await assert.rejects(noUnpin.unpin(SLOW), (err: any) => err instanceof IpfsError && /disallowed/.test(err.message))
    await noUnpin.stop()
  })

  it('blockStream sends one multipart request with the first block\'s prefix', async () => {
    const c = makeConnector(`/unix${sock}`)
    try {
      const blocks = await Promise.all(['a', 'b', 'c'].map(async s => ({ cid: await cidOf(s), bytes: new TextEncoder().encode(s) })))
      await c.blockStream((async function * () { yield * blocks })())
      assert.equal(blockPut?.parts, 3)
      assert.equal(blockPut?.query.get('cid-codec'), 'raw')
      assert.equal(blockPut?.query.get('mhtype'), 'sha2-256')
      assert.equal(blockPut?.query.get('mhlen'), '32')
      assert.equal(blockPut?.query.get('pin'), 'false')
      assert.equal(blockPut?.query.get('allow-big-block'), 'true')
    } finally {
      await c.stop()
    }
  })
})
