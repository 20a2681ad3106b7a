import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Client } from '../../src/ctl/client/client.js'
import { ApiError } from '../../src/ctl/client/errors.js'
import { parseApiMultiaddr } from '../../src/ctl/client/target.js'
import { parseJsonStream } from '../../src/ctl/client/ndjson.js'
import { defaultAddParams } from '../../src/api/params.js'
import { defaultPinOptions } from '../../src/api/pin.js'
import { closedPort, sendJson, sendStream, startServer, CID_A, PEER_A } from './helpers.js'

async function collect<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const v of it) out.push(v)
  return out
}

test('multiaddr parsing', () => {
  assert.deepEqual(parseApiMultiaddr('/ip4/127.0.0.1/tcp/9094'), { proto: 'ip4', host: '127.0.0.1', port: 9094 })
  assert.deepEqual(parseApiMultiaddr('/ip6/::1/tcp/80'), { proto: 'ip6', host: '::1', port: 80 })
  assert.deepEqual(parseApiMultiaddr('/dns4/example.com/tcp/443'), { proto: 'dns4', host: 'example.com', port: 443 })
  assert.deepEqual(parseApiMultiaddr('/unix/tmp/api.sock'), { proto: 'unix', host: '/tmp/api.sock', port: 0 })
  assert.throws(() => parseApiMultiaddr('127.0.0.1:9094'), /must begin with \//)
  assert.throws(() => parseApiMultiaddr('/ip4/999/tcp/1'), /ip4/)
  assert.throws(() => parseApiMultiaddr('/ip4/1.2.3.4/udp/1'), /TCP/)
  // a /p2p/ address is the REST API's libp2p-http endpoint (test/ctl/libp2p.test.ts)
  assert.deepEqual(parseApiMultiaddr('/ip4/1.2.3.4/tcp/1/p2p/' + PEER_A), { proto: 'libp2p', host: '/ip4/1.2.3.4/tcp/1/p2p/' + PEER_A, port: 0 })
  assert.deepEqual(parseApiMultiaddr('/ip4/1.2.3.4/tcp/1/ipfs/' + PEER_A).proto, 'libp2p')
  assert.throws(() => parseApiMultiaddr('/ip4/1.2.3.4/tcp/1/p2p/nope'))
})

test('json stream splitting across chunk boundaries', async () => {
  const text = '{"a":"x}\\"{"}\n{"b":[1,{"c":2}]}\n  "str" 12 {"d":null}'
  for (let cut = 1; cut < text.length; cut += 3) {
    const chunks = [text.slice(0, cut), text.slice(cut)]
    const vals = await collect(parseJsonStream((async function * () { yield * chunks })()))
    assert.deepEqual(vals, [{ a: 'x}"{' }, { b: [1, { c: 2 }] }, 'str', 12, { d: null }])
  }
})

test('stream values, then X-Stream-Error trailer as a 500 error', async () => {
  const srv = await startServer((req, res) => {
    if (req.url?.startsWith('/pins?') === true) sendStream(res, [{ cid: CID_A, peer_map: {} }], 'boom')
    else sendStream(res, [{ id: PEER_A }])
  })
  try {
    const c = await Client.create({ hosts: srv.multiaddr })
    assert.deepEqual(await collect(c.peers()), [{ id: PEER_A }])
    const got: unknown[] = []
    await assert.rejects(async () => { for await (const v of c.statusAll('', false)) got.push(v) },
      (err: any) => err instanceof ApiError && err.code === 500 && err.message === 'boom')
    assert.equal(got.length, 1)
    assert.equal(srv.requests[1].url, '/pins?local=false&filter=&cids=')
  } finally {
    await srv.close()
  }
})

test('204 is an empty stream / empty result; error bodies', async () => {
  const srv = await startServer((req, res) => {
    if (req.url === '/peers') { res.writeHead(204); res.end(); return }
    if (req.url?.startsWith('/peers/') === true) { res.writeHead(204); res.end(); return }
    if (req.url === '/id') { sendJson(res, 401, { code: 401, message: 'Unauthorized' }); return }
    if (req.url === '/version') { res.writeHead(404, { 'Content-Type': 'text/plain' }); res.end('404 page not found'); return }
    sendJson(res, 500, { code: 500, message: 'x' })
  })
  try {
    const c = await Client.create({ hosts: srv.multiaddr })
    assert.deepEqual(await collect(c.peers()), [])
    await c.peerRm(PEER_A)
    assert.equal(srv.requests[1].method, 'DELETE')
    assert.equal(srv.requests[1].url, `/peers/${PEER_A}`)
    await assert.rejects(c.id(), (e: any) => e instanceof ApiError && e.code === 401 && e.message === 'Unauthorized')
    await assert.rejects(c.version(), (e: any) => e instanceof ApiError && e.code === 404 && e.message === '404 page not found')
  } finally {
    await srv.close()
  }
})

test('connection failures are code 0 and fail over to the next target', async () => {
  const dead = await closedPort()
  const c0 = await Client.create({ hosts: `/ip4/127.0.0.1/tcp/${dead}` })
  await assert.rejects(c0.id(), (e: any) => e instanceof ApiError && e.code === 0 && /connection refused/.test(e.message))
  const srv = await startServer((req, res) => { sendJson(res, 200, { version: '1.1.6' }) })
  try {
    const c = await Client.create({ hosts: `/ip4/127.0.0.1/tcp/${dead},${srv.multiaddr}` })
    assert.equal(c.targets.length, 2)
    assert.deepEqual(await c.version(), { version: '1.1.6' })
  } finally {
    await srv.close()
  }
  // HTTP errors are not failed over
  const bad = await startServer((req, res) => { sendJson(res, 500, { code: 500, message: 'no' }) })
  const good = await startServer((req, res) => { sendJson(res, 200, { version: '1.1.6' }) })
  try {
    const c = await Client.create({ hosts: `${bad.multiaddr},${good.multiaddr}` })
    await assert.rejects(c.version(), (e: any) => e.code === 500)
    assert.equal(good.requests.length, 0)
  } finally {
    await bad.close()
    await good.close()
  }
})

test('basic auth header, request timeout, unix socket-free paths', async () => {
  const srv = await startServer(async (req, res) => {
    if (req.url === '/health/graph') return // never answers
    sendJson(res, 200, { version: req.headers.authorization ?? '' })
  })
  try {
    const c = await Client.create({ hosts: srv.multiaddr, username: 'user', password: 'p:w' })
    assert.equal((await c.version()).version, 'Basic ' + Buffer.from('user:p:w').toString('base64'))
    const t = await Client.create({ hosts: srv.multiaddr, timeoutMs: 200 })
    await assert.rejects(t.connectGraph(), (e: any) => e.code === 0)
  } finally {
    await srv.close()
  }
})

test('pin path routes and query, status and allocations URLs', async () => {
  const srv = await startServer((req, res) => {
    if (req.url?.startsWith('/allocations?') === true || req.url?.startsWith('/pins?') === true || req.url?.startsWith('/pins/recover') === true) {
      sendStream(res, [])
      return
    }
    sendJson(res, 200, { cid: CID_A })
  })
  try {
    const c = await Client.create({ hosts: srv.multiaddr })
    const opts = { ...defaultPinOptions(), name: 'a b', replication_factor_min: 2, replication_factor_max: 3, mode: 'direct' as const }
    await c.pinPath(CID_A, opts)
    await c.pinPath(`/ipns/example.com/sub`, defaultPinOptions())
    await c.unpinPath(CID_A)
    await collect(c.allocations(['pin', 'shard-pin']))
    await collect(c.allocations(['all']))
    await collect(c.statusCids([CID_A, CID_A], true))
    await c.status(CID_A, true)
    await c.recover(CID_A, false)
    await collect(c.recoverAll(true))
    await c.repoGC(true)
    const urls = srv.requests.map(r => `${r.method} ${r.url}`)
    assert.deepEqual(urls, [
      `POST /pins/ipfs/${CID_A}?replication-min=2&replication-max=3&name=a+b&mode=direct&shard-size=0&user-allocations=`,
      'POST /pins/ipns/example.com/sub?replication-min=0&replication-max=0&name=&mode=recursive&shard-size=0&user-allocations=',
      `DELETE /pins/ipfs/${CID_A}`,
      'GET /allocations?filter=pin%2Cshard-pin',
      'GET /allocations?filter=all',
      `GET /pins?local=true&filter=&cids=${CID_A},${CID_A}`,
      `GET /pins/${CID_A}?local=true`,
      `POST /pins/${CID_A}/recover?local=false`,
      'POST /pins/recover?local=true',
      'POST /ipfs/gc?local=true'
    ])
    await assert.rejects(c.pinPath('not-a-cid', defaultPinOptions()), /invalid/)
  } finally {
    await srv.close()
  }
})

test('add sends a chunked multipart body with the full query', async (t) => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const dir = await mkdtemp(join(tmpdir(), 'ctl-add-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, 'f.txt'), 'hello')
  const srv = await startServer((req, res) => {
    sendStream(res, [{ name: 'f.txt', cid: CID_A, size: 5 }])
  })
  try {
    const c = await Client.create({ hosts: srv.multiaddr })
    const p = { ...defaultAddParams(), erasure: true, data_shards: 3, parity_shards: 1, ec_shard_size: 1024 }
    let sent = 0
    const out = await collect(c.add([join(dir, 'f.txt')], p, { onData: n => { sent += n } }))
    assert.deepEqual(out, [{ name: 'f.txt', cid: CID_A, size: 5 }])
    assert.equal(sent, 5)
    const r = srv.requests[0]
    assert.equal(r.headers['transfer-encoding'], 'chunked')
    assert.match(String(r.headers['content-type']), /^multipart\/form-data; boundary=[0-9a-f]{60}$/)
    const q = new URL(r.url, 'http://x').searchParams
    assert.equal(q.get('stream-channels'), 'true')
    assert.equal(q.get('erasure'), 'true')
    assert.equal(q.get('data-shards'), '3')
    assert.equal(q.get('parity-shards'), '1')
    assert.equal(q.get('shard-size'), '1024')
    assert.match(r.body.toString(), /filename="f.txt"\r\nContent-Type: application\/octet-stream\r\n\r\nhello\r\n--/)
  } finally {
    await srv.close()
  }
})

test('a directory without recursive is refused before sending', async () => {
  const { tmpdir } = await import('node:os')
  const c = await Client.create({ hosts: '/ip4/127.0.0.1/tcp/1' })
  await assert.rejects(collect(c.add([tmpdir()], defaultAddParams())), (e: any) => e.message === `${tmpdir()} is a directory, but Recursive option is not set`)
})

test('unix socket and dns targets', async (t) => {
  const http = await import('node:http')
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const dir = await mkdtemp(join(tmpdir(), 'ctl-sock-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  const sock = join(dir, 'api.sock')
  const server = http.createServer((req, res) => { res.end(JSON.stringify({ version: `unix ${req.url ?? ''}` })) })
  await new Promise<void>(resolve => server.listen(sock, resolve))
  t.after(() => { server.close() })
  const c = await Client.create({ hosts: `/unix${sock}` })
  assert.deepEqual(await c.version(), { version: 'unix /version' })

  const srv = await startServer((req, res) => { sendJson(res, 200, { version: 'dns' }) })
  try {
    const d = await Client.create({ hosts: `/dns4/localhost/tcp/${srv.port}` })
    assert.ok(d.targets.length >= 1)
    assert.deepEqual(await d.version(), { version: 'dns' })
  } finally {
    await srv.close()
  }
})

test('add streams an http URL argument', async () => {
  const payload = Buffer.alloc(300_000, 7)
  const srv = await startServer((req, res) => {
    if (req.url === '/files/data.bin') { res.end(payload); return }
    sendStream(res, [{ name: 'data.bin', cid: CID_A }])
  })
  try {
    const c = await Client.create({ hosts: srv.multiaddr })
    const url = `http://127.0.0.1:${srv.port}/files/data.bin`
    const out = await collect(c.add([url], defaultAddParams()))
    assert.deepEqual(out, [{ name: 'data.bin', cid: CID_A }])
    const body = srv.requests.find(r => r.method === 'POST')?.body ?? Buffer.alloc(0)
    assert.ok(body.includes(`Abspath: ${url}\r\nContent-Disposition: form-data; name="file"; filename="data.bin"\r\n`))
    assert.ok(body.includes(payload))
  } finally {
    await srv.close()
  }
})

test('an upload failure is reported as the local error, without fail-over', async (t) => {
  const { mkdtemp, writeFile, rm, mkdir } = await import('node:fs/promises')
  const { execFileSync } = await import('node:child_process')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const dir = await mkdtemp(join(tmpdir(), 'ctl-upl-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  await mkdir(join(dir, 'sub'))
  await writeFile(join(dir, 'a'), Buffer.alloc(1024 * 1024))
  // a named pipe inside the tree is found only while the body is being sent
  execFileSync('mkfifo', [join(dir, 'sub', 'pipe')])
  const srv = await startServer((req, res) => { sendStream(res, []) })
  const other = await startServer((req, res) => { sendStream(res, []) })
  try {
    const c = await Client.create({ hosts: `${srv.multiaddr},${other.multiaddr}` })
    await assert.rejects(collect(c.add([dir], { ...defaultAddParams(), recursive: true })),
      (e: any) => !(e instanceof ApiError) && e.message === `unrecognized file type for ${join(dir, 'sub', 'pipe')}`)
    assert.equal(other.requests.length, 0)
  } finally {
    await srv.close()
    await other.close()
  }
})

test("add: the server's error is reported, not the upload it stopped reading (write EPIPE)", async (t) => {
  const http = await import('node:http')
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const dir = await mkdtemp(join(tmpdir(), 'ctl-add-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'big.bin')
  await writeFile(file, Buffer.alloc(64 * 1024 * 1024, 1))
  // as the REST API's streaming /add fails (a write quorum missed): the answer and its trailer
  // go out while the upload is still coming, then the connection closes with the rest unread
  const server = http.createServer((req, res) => {
    req.once('data', () => {
      req.pause()
      res.writeHead(200, { 'Content-Type': 'application/json', Trailer: 'X-Stream-Error', Connection: 'close' })
      res.write(JSON.stringify({ name: 'big.bin', cid: CID_A }) + '\n')
      res.addTrailers({ 'X-Stream-Error': 'stripe 0: only 4 of 6 shards could be stored, below the write quorum of 5' })
      res.end(() => { req.socket.destroy() })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  const c = await Client.create({ hosts: `/ip4/127.0.0.1/tcp/${(server.address() as { port: number }).port}` })
  for (let i = 0; i < 5; i++) {
    const got: unknown[] = []
    await assert.rejects(async () => { for await (const v of c.add([file], defaultAddParams())) got.push(v) },
      (err: any) => {
        assert.ok(err instanceof ApiError, String(err))
        assert.equal(err.code, 500)
        assert.match(err.message, /below the write quorum of 5/)
        return true
      })
    assert.deepEqual(got, [{ name: 'big.bin', cid: CID_A }])
  }
})
