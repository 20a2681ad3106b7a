// The CLI in-process (runCli) against a plain HTTP server: flags → requests, outputs, exit codes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, writeFile, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, closedPort, sendJson, sendStream, startServer, CID_A, CID_B, PEER_A, PEER_B } from './helpers.js'
import type { TestServer } from './helpers.js'

const ZERO = '0001-01-01T00:00:00Z'
const gpi = (status: string, cid = CID_A): any => ({
  cid,
  name: '',
  allocations: null,
  origins: null,
  created: ZERO,
  metadata: null,
  peer_map: { [PEER_A]: { peername: 'p0', status, timestamp: '2024-01-01T00:00:00Z', error: '', attempt_count: 0, priority_pin: false } }
})
const pinObj = (over: any = {}): any => ({
  replication_factor_min: 1, replication_factor_max: 2, name: '', mode: 'recursive', shard_size: 0, user_allocations: null,
  expire_at: ZERO, metadata: null, pin_update: null, origins: null, cid: CID_A, type: 'pin', allocations: [PEER_A], max_depth: -1,
  reference: null, timestamp: '2024-01-01T00:00:00Z', ...over
})

/** A server answering like the REST API for the calls the tests make. */
async function api (statusOf: () => string = () => 'pinned'): Promise<TestServer> {
  return await startServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    if (req.method === 'POST' && u.pathname.startsWith('/pins/')) return sendJson(res, 200, pinObj())
    if (req.method === 'DELETE' && u.pathname.startsWith('/pins/')) return sendJson(res, 200, pinObj())
    if (u.pathname === `/pins/${CID_A}`) return sendJson(res, 200, gpi(statusOf()))
    if (u.pathname === '/pins') return sendStream(res, [gpi('pinned'), gpi('pin_error', CID_B)], u.searchParams.get('filter') === 'pin_error' ? 'peer unreachable' : '')
    if (u.pathname === '/allocations') return sendStream(res, [pinObj(), pinObj({ cid: CID_B, mode: 'direct', max_depth: 0 })])
    if (u.pathname === `/allocations/${CID_A}`) return sendJson(res, 200, pinObj())
    if (u.pathname === '/add') {
      return sendStream(res, [{ name: 'd/f', cid: CID_B, size: 3 }, { name: 'd', cid: CID_A }])
    }
    if (u.pathname === '/version') return sendJson(res, 200, { version: '1.1.6' })
    if (u.pathname === '/monitor/metrics') return sendJson(res, 200, ['freespace', 'ping'])
    if (u.pathname === '/health/graph') {
      return sendJson(res, 200, { cluster_id: PEER_A, id_to_peername: { [PEER_A]: 'p0' }, ipfs_links: { [PEER_B]: [] }, cluster_links: { [PEER_A]: [] }, cluster_trust_links: { [PEER_A]: false }, cluster_to_ipfs: { [PEER_A]: PEER_B } })
    }
    sendJson(res, 404, { code: 404, message: 'not found' })
  })
}

const h = (srv: TestServer): string[] => ['--host', srv.multiaddr]

test('add: flags become the /add query; output modes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ctl-cli-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, 'f'), 'abc')
  const srv = await api()
  t.after(srv.close)
  const r = await cli([...h(srv), 'add', '-r', '-rmin', '2', '--rmax=3', '-n', 'nm', '--metadata', 'a=b', '--metadata', 'c=d=e',
    '--cid-version', '1', '--layout', 'trickle', '-s', 'size-1000', '-H', '--no-pin', '-w', '--local=true', '--allocs', `${PEER_A},junk`,
    '--erasure', '--data-shards', '5', '--parity-shards', '3', '--shard-size', '4096', dir])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout, `added ${CID_B} d/f\nadded ${CID_A} d\n`)
  const q = Object.fromEntries(new URL(srv.requests[0].url, 'http://x').searchParams)
  assert.deepEqual(q, {
    'replication-min': '2',
    'replication-max': '3',
    name: 'nm',
    mode: 'recursive',
    'shard-size': '4096',
    'user-allocations': PEER_A,
    'meta-a': 'b',
    'meta-c': 'd=e',
    local: 'true',
    recursive: 'true',
    hidden: 'true',
    'wrap-with-directory': 'true',
    shard: 'false',
    'stream-channels': 'true',
    format: 'unixfs',
    'no-pin': 'true',
    layout: 'trickle',
    chunker: 'size-1000',
    'raw-leaves': 'true',
    progress: 'false',
    'cid-version': '1',
    hash: 'sha2-256',
    nocopy: 'false',
    erasure: 'true',
    'data-shards': '5',
    'parity-shards': '3'
  })

  const quiet = await cli([...h(srv), 'add', '-q', join(dir, 'f')])
  assert.equal(quiet.stdout, `${CID_B}\n${CID_A}\n`)
  const quieter = await cli([...h(srv), 'add', '-Q', join(dir, 'f')])
  assert.equal(quieter.stdout, `${CID_A}\n`)
  const arr = await cli([...h(srv), '--enc=json', 'add', '--no-stream', join(dir, 'f')])
  assert.deepEqual(JSON.parse(arr.stdout), [{ name: 'd/f', cid: CID_B, size: 3 }, { name: 'd', cid: CID_A }])
  const two = await cli([...h(srv), 'add', '--hash', 'sha3-512', join(dir, 'f'), join(dir, 'f')])
  const q2 = new URL(srv.requests.at(-1)?.url ?? '', 'http://x').searchParams
  assert.equal(two.code, 0)
  assert.equal(q2.get('wrap-with-directory'), 'true')
  assert.equal(q2.get('cid-version'), '1')
  assert.equal(q2.get('raw-leaves'), 'true')
  assert.equal(q2.get('erasure'), null)
})

test('add: local errors exit 1 on stderr', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ctl-cli-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  let r = await cli(['add'])
  assert.deepEqual([r.code, r.stderr, r.stdout], [1, 'error : need at least one path\n', ''])
  r = await cli(['add', dir])
  assert.deepEqual([r.code, r.stderr], [1, `error : ${dir} is a directory, but Recursive option is not set\n`])
  r = await cli(['add', '--metadata', 'novalue', dir])
  assert.deepEqual([r.code, r.stderr], [1, 'error parsing metadata: metadata were not in the format key=value\n'])
  r = await cli(['add', '--format', 'car', '-w', dir])
  assert.equal(r.code, 1)
  r = await cli(['add', '--shard-size', '10', dir])
  assert.deepEqual([r.code, r.stderr], [1, 'error : --shard-size only applies with --erasure\n'])
})

test('pin add/rm/update: path routes, options, --no-status and the status after 1 s', async (t) => {
  const srv = await api()
  t.after(srv.close)
  let r = await cli([...h(srv), 'pin', 'add', '-r', '3', '--mode', 'direct', '-n', 'nm', '--metadata', 'k=v', '--expire-in', '1h', '-ns', CID_A])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, new RegExp(`^${CID_A} \\|  \\| PIN \\| Repl. Factor: 1--2 \\| Allocations: \\[${PEER_A}\\] \\| Recursive`))
  const q = new URL(srv.requests[0].url, 'http://x')
  assert.equal(q.pathname, `/pins/ipfs/${CID_A}`)
  assert.equal(q.searchParams.get('replication-min'), '3')
  assert.equal(q.searchParams.get('replication-max'), '3')
  assert.equal(q.searchParams.get('mode'), 'direct')
  assert.equal(q.searchParams.get('meta-k'), 'v')
  const exp = Date.parse(q.searchParams.get('expire-at') ?? '')
  assert.ok(Math.abs(exp - Date.now() - 3600_000) < 60_000)
  assert.equal(srv.requests.length, 1)

  const t0 = Date.now()
  r = await cli([...h(srv), 'pin', 'rm', CID_A])
  assert.equal(r.code, 0)
  assert.ok(Date.now() - t0 >= 990, 'sleeps 1 s before fetching the status')
  assert.equal(r.stdout, `${CID_A}:\n    > p0                   : PINNED | 2024-01-01T00:00:00Z | Attempts: 0 | Priority: false\n`)
  assert.deepEqual(srv.requests.slice(-2).map(x => `${x.method} ${x.url}`), [`DELETE /pins/ipfs/${CID_A}`, `GET /pins/${CID_A}?local=false`])

  r = await cli([...h(srv), '--enc', 'json', 'pin', 'update', '--no-status', '-n', 'new', CID_B, `/ipfs/${CID_A}/sub`])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(JSON.parse(r.stdout).cid, CID_A)
  const u = new URL(srv.requests.at(-1)?.url ?? '', 'http://x')
  assert.equal(u.pathname, `/pins/ipfs/${CID_A}/sub`)
  assert.equal(u.searchParams.get('pin-update'), CID_B)
  assert.equal(u.searchParams.get('name'), 'new')

  r = await cli([...h(srv), 'pin', 'add', '--allocs', `${PEER_A},bogus`, CID_A])
  assert.deepEqual([r.code, r.stderr], [1, 'error decoding allocations: some peer IDs could not be decoded\n'])
  r = await cli([...h(srv), 'pin', 'add', '--expire-in', 'soon', CID_A])
  assert.deepEqual([r.code, r.stderr], [1, 'error parsing expire-in: time: invalid duration "soon"\n'])
  r = await cli([...h(srv), 'pin', 'add', '--metadata', 'k', CID_A])
  assert.deepEqual([r.code, r.stderr], [1, 'error parsing metadata: metadata were not in the format key=value\n'])
  r = await cli([...h(srv), 'pin', 'update', 'nope', CID_A])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /^error parsing from Cid: /)
})

test('--wait: reaches the target, fails on error states, exits 62 on timeout', async (t) => {
  let calls = 0
  let mode = 'progress'
  const srv = await api(() => {
    calls++
    if (mode === 'never') return 'pinning'
    if (mode === 'error') return 'pin_error'
    return calls >= 2 ? 'pinned' : 'pinning'
  })
  t.after(srv.close)
  let r = await cli([...h(srv), 'pin', 'add', '--wait', CID_A])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /PINNED/)
  assert.equal(calls, 2)
  mode = 'error'
  r = await cli([...h(srv), 'pin', 'add', '-w', CID_A])
  assert.deepEqual([r.code, r.stderr], [1, 'error waiting for pin status: error has occurred while attempting to reach status: pinned\n'])
  mode = 'never'
  const t0 = Date.now()
  r = await cli([...h(srv), 'pin', 'add', '-w', '-wt', '2500ms', CID_A])
  assert.deepEqual([r.code, r.stderr], [62, 'error waiting for pin status: context deadline exceeded\n'])
  assert.ok(Date.now() - t0 < 6000)
})

test('status, pin ls, recover: streams, filters, encodings, trailer errors', async (t) => {
  const srv = await api()
  t.after(srv.close)
  let r = await cli([...h(srv), 'status'])
  assert.equal(r.code, 0)
  assert.equal(r.stdout.split('\n').filter(l => l.startsWith('Qm') || l.startsWith('baf')).length, 2)
  assert.equal(srv.requests.at(-1)?.url, '/pins?local=false&filter=&cids=')
  r = await cli([...h(srv), 'status', '--local', '--filter', 'error'])
  assert.equal(srv.requests.at(-1)?.url, '/pins?local=true&filter=error&cids=')
  r = await cli([...h(srv), 'status', '--filter', 'pinned, queued'])
  assert.equal(srv.requests.at(-1)?.url, '/pins?local=false&filter=pinned%2Cpin_queued%2Cunpin_queued&cids=')
  r = await cli([...h(srv), 'status', '--filter', 'bogus'])
  assert.deepEqual([r.code, r.stderr], [1, 'error parsing filter flag: invalid filter name\n'])
  r = await cli([...h(srv), 'status', CID_A, CID_B])
  assert.equal(srv.requests.at(-1)?.url, `/pins?local=false&filter=&cids=${CID_A},${CID_B}`)
  r = await cli([...h(srv), 'status', 'notacid'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /^error parsing cid: /)

  // a stream that ends with an X-Stream-Error trailer: values printed, then the error, exit 2
  r = await cli([...h(srv), 'status', '--filter', 'pin_error'])
  assert.equal(r.code, 2)
  assert.ok(r.stdout.endsWith('An error occurred:\n  Code: 500\n  Message: peer unreachable\n'))

  r = await cli([...h(srv), '--enc=json', 'pin', 'ls', '--filter', 'pin,shard-pin'])
  assert.equal(r.code, 0)
  assert.equal(srv.requests.at(-1)?.url, '/allocations?filter=pin%2Cshard-pin')
  // one pretty object after another, not an array
  assert.ok(r.stdout.startsWith('{\n    "replication_factor_min": 1,\n'))
  assert.equal(r.stdout.split('\n}\n').length, 3)
  r = await cli([...h(srv), 'pin', 'ls'])
  assert.equal(srv.requests.at(-1)?.url, '/allocations?filter=all')
  assert.match(r.stdout.split('\n')[1], /\| PIN-DIRECT \|.*\| Direct \|/)
  r = await cli([...h(srv), 'pin', 'ls', CID_A])
  assert.equal(srv.requests.at(-1)?.url, `/allocations/${CID_A}`)
})

test('API errors: text and JSON on stdout, exit 2', async (t) => {
  const srv = await api()
  t.after(srv.close)
  let r = await cli([...h(srv), 'id'])
  assert.deepEqual([r.code, r.stdout, r.stderr], [2, 'An error occurred:\n  Code: 404\n  Message: not found\n', ''])
  r = await cli([...h(srv), '--encoding', 'json', 'health', 'alerts'])
  assert.deepEqual([r.code, r.stdout], [2, '{\n    "code": 404,\n    "message": "not found"\n}\n'])
  r = await cli([...h(srv), 'version'])
  assert.deepEqual([r.code, r.stdout], [0, '1.1.6\n'])
  r = await cli([...h(srv), 'health', 'metrics'])
  assert.deepEqual([r.code, r.stdout], [0, 'freespace\nping\n'])
  r = await cli([...h(srv), 'health', 'graph'])
  assert.equal(r.code, 0)
  assert.ok(r.stdout.includes('\nC0 -> I0\n'))
  r = await cli([...h(srv), 'peers', 'rm', 'garbage'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /^error parsing peer ID: /)
})

test('global flags: encoding, secret, host, version, unknown commands', async () => {
  let r = await cli(['--enc', 'yaml', 'id'])
  assert.deepEqual([r.code, r.stderr], [1, 'error : unsupported encoding\n'])
  r = await cli(['--secret', 'zz', 'id'])
  assert.deepEqual([r.code, r.stderr], [1, "error parsing secret: encoding/hex: invalid byte: U+007A 'z'\n"])
  r = await cli(['--secret', 'abc', 'id'])
  assert.deepEqual([r.code, r.stderr], [1, 'error parsing secret: encoding/hex: odd length hex string\n'])
  r = await cli(['--host', 'localhost:9094', 'id'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /^error parsing host multiaddress: failed to parse multiaddr/)
  r = await cli(['-v'])
  assert.deepEqual([r.code, r.stdout], [0, 'cluster-ctl version 1.1.6\n'])
  r = await cli(['peers', 'add', PEER_A])
  assert.notEqual(r.code, 0)
  r = await cli(['nosuchcommand'])
  assert.notEqual(r.code, 0)
})

test('basic auth implies https unless --force-http; CLUSTER_CREDENTIALS', async (t) => {
  const srv = await startServer((req, res) => { sendJson(res, 200, { version: String(req.headers.authorization) }) })
  t.after(srv.close)
  let r = await cli([...h(srv), '--basic-auth', 'u:p', '--force-http', 'version'])
  assert.deepEqual([r.code, r.stdout], [0, `Basic ${Buffer.from('u:p').toString('base64')}\n`])
  // without --force-http the client speaks TLS to a plain server: no HTTP answer, code 0, exit 1
  r = await cli([...h(srv), '--basic-auth', 'u', 'version'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /SSL automatically enabled/)
  process.env.CLUSTER_CREDENTIALS = 'env:pw'
  try {
    r = await cli([...h(srv), '-f', 'version'])
    assert.equal(r.stdout, `Basic ${Buffer.from('env:pw').toString('base64')}\n`)
  } finally {
    delete process.env.CLUSTER_CREDENTIALS
  }
})

test('ecget over plain HTTP: basic auth, fail-over to the next host, the file whole, errors', async (t) => {
  const file = randomBytes(3_000_000)
  const auth = `Basic ${Buffer.from('u:p').toString('base64')}`
  const srv = await startServer((req, res) => {
    if (req.headers.authorization !== auth) return sendJson(res, 401, { code: 401, message: 'Unauthorized' })
    const cut = req.url?.includes(CID_B) === true
    res.writeHead(200, { 'X-Ec-Kind': 'file', 'X-Ec-File-Size': String(file.byteLength), 'X-Ec-Name': 'f.bin', 'X-Ec-Stripes': '2', Trailer: 'X-Stream-Error' })
    if (cut) {
      // the head and the first bytes out, then the connection goes
      res.write(file.subarray(0, 1000), () => { res.socket?.destroy() })
      return
    }
    res.write(file.subarray(0, 1000))
    res.write(file.subarray(1000))
    res.addTrailers({ 'X-Stream-Error': '' })
    res.end()
  })
  t.after(srv.close)
  const out = await mkdtemp(join(tmpdir(), 'ctl-ecget-'))
  t.after(async () => { await rm(out, { recursive: true, force: true }) })
  // the first host refuses: the download moves on to the second
  const hosts = `/ip4/127.0.0.1/tcp/${await closedPort()},${srv.multiaddr}`
  let r = await cli(['--host', hosts, '--basic-auth', 'u:p', '--force-http', '--enc=json', 'ecget', CID_A, '-o', out])
  assert.equal(r.code, 0, r.stderr + r.stdout)
  assert.equal(JSON.parse(r.stdout).bytes, file.byteLength)
  assert.ok((await readFile(join(out, CID_A))).equals(file))
  // the server's error answer, and nothing written
  r = await cli([...h(srv), '--basic-auth', 'u:wrong', '--force-http', 'ecget', CID_A, '-o', join(out, 'denied')])
  assert.deepEqual([r.code, r.stdout], [2, 'An error occurred:\n  Code: 401\n  Message: Unauthorized\n'])
  // a transfer cut short is an error, and leaves no file
  r = await cli([...h(srv), '--basic-auth', 'u:p', '--force-http', 'ecget', CID_B, '-o', out])
  assert.equal(r.code, 1, r.stdout)
  assert.match(r.stderr, /the connection closed before the transfer completed/)
  assert.deepEqual((await readdir(out)).sort(), [CID_A, 'denied'])
  assert.deepEqual(await readdir(join(out, 'denied')), [])
})
