// cluster-ctl add reads file content into buffers it uses again once the socket took their
// bytes (ctl/client/read-buffers.ts). A buffer reused too early would change bytes still
// queued for the socket: the server here reads slowly, so writes queue, and checks every byte.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '../../src/ctl/client/client.js'
import { FILE_READ_BYTES, encodeMultipart, newBoundary, prepareSources } from '../../src/ctl/client/multipart.js'
import { ReadBuffers } from '../../src/ctl/client/read-buffers.js'
import { sendRequest } from '../../src/ctl/client/transport.js'
import { defaultAddParams } from '../../src/api/params.js'
import { sendStream, CID_A } from './helpers.js'

/** A server that reads request bodies slowly and answers with the sha256 of the file part. */
async function slowServer (t: any): Promise<{ multiaddr: string, port: number }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => {
      chunks.push(c)
      req.pause()
      setTimeout(() => req.resume(), 1)
    })
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const boundary = /boundary=(\S+)/.exec(String(req.headers['content-type']))?.[1] ?? ''
      const start = body.indexOf('\r\n\r\n') + 4
      const end = body.lastIndexOf(`\r\n--${boundary}--`)
      sendStream(res, [{ name: 'f', cid: CID_A, size: end - start, sha256: createHash('sha256').update(body.subarray(start, end)).digest('hex') }])
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    server.closeAllConnections()
    await new Promise<void>(resolve => server.close(() => resolve()))
  })
  const port = (server.address() as { port: number }).port
  return { multiaddr: `/ip4/127.0.0.1/tcp/${port}`, port }
}

async function randomFile (t: any, bytes: number): Promise<{ path: string, sha256: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ctl-upload-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  const data = randomBytes(bytes)
  await writeFile(join(dir, 'f'), data)
  return { path: join(dir, 'f'), sha256: createHash('sha256').update(data).digest('hex') }
}

for (const size of [FILE_READ_BYTES, 8192]) {
  // 8 KiB reads are below the socket's high-water mark: writes are accepted while earlier
  // ones still wait in its queue, which a buffer reused before its write finished would change
  test(`an upload over HTTP reuses its read buffers once written, and every byte arrives as read (${size} byte reads)`, async (t) => {
    const srv = await slowServer(t)
    const reads = 25
    const file = await randomFile(t, (reads - 1) * size + 1234)
    const boundary = newBoundary()
    const buffers = new ReadBuffers(size)
    const res = await sendRequest({ kind: 'tcp', host: '127.0.0.1', port: srv.port, servername: '127.0.0.1' }, { ssl: false, noVerifyCert: false, timeoutMs: 60_000 }, {
      method: 'POST',
      path: '/add',
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      body: encodeMultipart(await prepareSources([file.path], { recursive: false, nocopy: false }), boundary, { hidden: false, buffers }),
      onWritten: chunk => { buffers.release(chunk) }
    })
    const out = JSON.parse(await new Promise<string>((resolve, reject) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => { resolve(Buffer.concat(parts).toString()) })
      res.on('error', reject)
    }))
    assert.equal(out.sha256, file.sha256)
    // without reuse, one buffer per read
    assert.ok(buffers.allocated <= 8, `${buffers.allocated} buffers made for ${reads} reads`)
  })
}

test('cluster-ctl add sends every byte of a file while reusing its buffers', async (t) => {
  const srv = await slowServer(t)
  const file = await randomFile(t, 16 * FILE_READ_BYTES + 1)
  const c = await Client.create({ hosts: srv.multiaddr })
  const out: any[] = []
  for await (const v of c.add([file.path], defaultAddParams())) out.push(v)
  assert.equal(out.length, 1)
  assert.equal(out[0].size, 16 * FILE_READ_BYTES + 1)
  assert.equal(out[0].sha256, file.sha256)
})
