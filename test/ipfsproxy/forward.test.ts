// The proxy in front of kubo (kubo backend): unknown calls pass through unchanged (status,
// headers, body, trailers); cluster calls are answered by the cluster with kubo's CORS headers;
// block/put?pin=true is stored by kubo and pinned by the cluster. "kubo" is a small in-test
// HTTP server, the cluster a recording ClusterAPI.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { pino } from 'pino'
import { IpfsProxy } from '../../src/ipfsproxy/server.js'
import { ipfsProxyConfigSection } from '../../src/ipfsproxy/config.js'
import { defaultPinOptions, newPin } from '../../src/api/pin.js'
import type { ClusterAPI } from '../../src/cluster/api.js'
import type { IpfsConnector } from '../../src/ipfs/connector.js'
import { freePort } from '../harness/daemon.js'

const CID1 = 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'

describe('IPFS proxy in front of kubo', { timeout: 60_000 }, () => {
  let kubo: Server
  let proxy: IpfsProxy
  let base: string
  const pinned: string[] = []
  const seen: string[] = []

  before(async () => {
    kubo = createServer((req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''}`)
      if (req.method === 'OPTIONS') {
        res.writeHead(200, { 'Access-Control-Allow-Origin': req.headers.origin ?? '', Vary: 'Origin' })
        res.end()
        return
      }
      if (req.url?.startsWith('/api/v0/version') === true) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Expose-Headers': 'X-Stream-Output', 'X-Extra': 'kubo' })
        res.end(JSON.stringify({ Version: '0.99.0' }))
        return
      }
      if (req.url?.startsWith('/api/v0/block/put') === true) {
        req.resume()
        req.on('end', () => {
          res.writeHead(200, { 'Content-Type': 'application/json', Trailer: 'X-Stream-Error' })
          res.write(JSON.stringify({ Key: CID1, Size: 4 }) + '\n')
          res.addTrailers({ 'X-Stream-Error': '' })
          res.end()
        })
        return
      }
      if (req.url?.startsWith('/api/v0/log/tail') === true) {
        res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Stream-Error' })
        res.write('line\n')
        res.addTrailers({ 'X-Stream-Error': 'boom' })
        res.end()
        return
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('404 page not found')
    })
    await new Promise<void>(resolve => kubo.listen(0, '127.0.0.1', resolve))
    const kport = (kubo.address() as { port: number }).port
    const port = await freePort()
    const config = ipfsProxyConfigSection.parse({
      listen_multiaddress: `/ip4/127.0.0.1/tcp/${port}`,
      node_multiaddress: `/ip4/127.0.0.1/tcp/${kport}`,
      extract_headers_extra: ['X-Extra']
    })
    const cluster = {
      pin: async (cid: string) => { pinned.push(cid); return newPin(cid, defaultPinOptions()) },
      pinPath: async (path: string) => { const cid = path.split('/')[2]; pinned.push(cid); return newPin(cid, defaultPinOptions()) }
    } as unknown as ClusterAPI
    proxy = new IpfsProxy({
      config,
      cluster,
      ipfs: {} as IpfsConnector,
      forwardToNode: true,
      repoStat: async () => ({ RepoSize: 1, StorageMax: 2 }),
      logger: pino({ level: 'silent' })
    })
    await proxy.start()
    base = `http://127.0.0.1:${port}`
  })

  after(async () => {
    await proxy?.stop()
    await new Promise(resolve => kubo?.close(resolve))
  })

  it('passes unknown calls through, trailers included', async () => {
    const v = await fetch(`${base}/api/v0/version`, { method: 'POST' })
    assert.equal(v.status, 200)
    assert.deepEqual(await v.json(), { Version: '0.99.0' })
    const missing = await fetch(`${base}/api/v0/nothing`, { method: 'POST' })
    assert.equal(missing.status, 404)
    assert.equal(await missing.text(), '404 page not found')
    const { request } = await import('node:http')
    const trailer = await new Promise<string | undefined>((resolve, reject) => {
      const req = request(`${base}/api/v0/log/tail`, { method: 'POST' }, res => {
        res.resume()
        res.on('end', () => resolve(res.trailers['x-stream-error']))
      })
      req.on('error', reject)
      req.end()
    })
    assert.equal(trailer, 'boom')
  })

  it('answers cluster calls itself, with kubo CORS and extracted headers', async () => {
    const r = await fetch(`${base}/api/v0/pin/add?arg=${CID1}`, { method: 'POST', headers: { Origin: 'http://example.org' } })
    assert.equal(r.status, 200)
    assert.deepEqual(await r.json(), { Pins: [CID1] })
    assert.equal(r.headers.get('access-control-allow-origin'), 'http://example.org')
    assert.equal(r.headers.get('access-control-expose-headers'), 'X-Stream-Output')
    assert.equal(r.headers.get('x-extra'), 'kubo')
    assert.match(r.headers.get('server') ?? '', /^ipfs-cluster\/ipfsproxy\//)
    const rs = await fetch(`${base}/api/v0/repo/stat`, { method: 'POST' })
    assert.equal(((await rs.json()) as { StorageMax: number }).StorageMax, 2)
  })

  it('block/put?pin=true: kubo stores, the cluster pins what kubo answered', async () => {
    pinned.length = 0
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array([1, 2, 3, 4])]))
    const r = await fetch(`${base}/api/v0/block/put?pin=true`, { method: 'POST', body: form })
    assert.equal(r.status, 200)
    assert.deepEqual(JSON.parse((await r.text()).trim()), { Key: CID1, Size: 4 })
    assert.deepEqual(pinned, [CID1])
    const plain = await fetch(`${base}/api/v0/block/put`, { method: 'POST', body: form })
    assert.equal(plain.status, 200)
    await plain.text()
    assert.deepEqual(pinned, [CID1], 'without pin=true the call only goes to kubo')
  })
})
