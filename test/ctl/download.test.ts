// rawDownload against a real node:http server on 127.0.0.1: the body arrives whole through one
// reused buffer (each piece stays intact while the caller holds it, however slowly it reads),
// with its trailers; a cut connection, an error answer, a refused connection and an abort each
// come out as the caller expects.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHash, randomBytes } from 'node:crypto'
import { setImmediate as immediate } from 'node:timers/promises'
import { rawDownload } from '../../src/ctl/client/download.js'
import type { TransportOptions } from '../../src/ctl/client/transport.js'
import { ApiError } from '../../src/ctl/client/errors.js'
import { closedPort } from './helpers.js'

const opts: TransportOptions = { ssl: false, noVerifyCert: false, timeoutMs: 0 }
const payload = randomBytes(24 * 1024 * 1024)
const payloadSum = createHash('sha256').update(payload).digest('hex')
let server: http.Server
let port = 0

before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/missing') {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 404, message: 'not found' }))
      return
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', Trailer: 'X-Stream-Error, X-Sum', 'X-Ec-Kind': 'file' })
    // pieces of uneven sizes, as a stripe's blocks come
    const sizes = [1, 4096, 65536, 300_000, 1_000_000, 17]
    let at = 0
    let i = 0
    const cut = req.url === '/cut'
    const pump = (): void => {
      while (at < payload.byteLength) {
        if (cut && at > payload.byteLength / 3) {
          res.socket?.destroy()
          return
        }
        const n = Math.min(sizes[i++ % sizes.length], payload.byteLength - at)
        const ok = res.write(payload.subarray(at, at + n))
        at += n
        if (!ok) {
          res.once('drain', pump)
          return
        }
      }
      res.addTrailers({ 'X-Stream-Error': '', 'X-Sum': payloadSum })
      res.end()
    }
    pump()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

after(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
})

const target = (): { kind: 'tcp', host: string, port: number, family: 4, servername: string } => ({ kind: 'tcp', host: '127.0.0.1', port, family: 4, servername: '127.0.0.1' })

test('a slow reader gets every byte intact, through one buffer, and the trailers', async () => {
  const dl = await rawDownload(target(), opts, { method: 'GET', path: '/file' })
  assert.equal(dl.status, 200)
  assert.equal(dl.headers['x-ec-kind'], 'file')
  const hash = createHash('sha256')
  const buffers = new Set<ArrayBufferLike>()
  let pieces = 0
  for await (const piece of dl.body) {
    // the socket goes on meanwhile: had it been read into the buffer, this piece would be overwritten
    await immediate()
    await immediate()
    hash.update(piece)
    buffers.add(piece.buffer)
    pieces++
  }
  assert.equal(dl.complete, true)
  assert.equal(hash.digest('hex'), payloadSum)
  assert.equal(dl.trailer('x-sum'), payloadSum)
  assert.equal(dl.trailer('X-Stream-Error'), '')
  assert.ok(pieces > 90, `${pieces} pieces`)
  assert.equal(buffers.size, 1, 'every piece is a view of the download\'s one buffer')
})

test('a connection cut mid-body ends the body incomplete', async () => {
  const dl = await rawDownload(target(), opts, { method: 'GET', path: '/cut' })
  let bytes = 0
  for await (const piece of dl.body) bytes += piece.byteLength
  assert.equal(dl.complete, false)
  assert.ok(bytes > 0 && bytes < payload.byteLength, `${bytes} bytes`)
})

test('an error answer is read whole', async () => {
  const dl = await rawDownload(target(), opts, { method: 'GET', path: '/missing' })
  assert.equal(dl.status, 404)
  assert.deepEqual(JSON.parse((await dl.readAll()).toString()), { code: 404, message: 'not found' })
})

test('a refused connection and an abort are ApiErrors worded as upstream', async () => {
  await assert.rejects(rawDownload({ ...target(), port: await closedPort() }, opts, { method: 'GET', path: '/file' }),
    (err: any) => err instanceof ApiError && err.code === 0 && /connect: connection refused/.test(err.message))

  const abort = new AbortController()
  const dl = await rawDownload(target(), opts, { method: 'GET', path: '/file', signal: abort.signal })
  await assert.rejects(async () => {
    let bytes = 0
    for await (const piece of dl.body) {
      bytes += piece.byteLength
      if (bytes > 1_000_000) abort.abort()
    }
  }, (err: any) => err instanceof ApiError && /context canceled/.test(err.message))
})
