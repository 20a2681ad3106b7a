// The libp2p-HTTP endpoint: with libp2p_listen_multiaddress + id + private_key the daemon's
// REST API also answers HTTP/1.1 over libp2p streams of /libp2p-http on a dedicated host.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { startLibp2pHttpDaemon } from '../harness/libp2p-http.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { basic } from './http.js'

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** Sends one HTTP/1.1 request over a /libp2p-http stream and reads the whole answer. */
async function p2pRequest (client: Libp2p, addr: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const stream = await client.dialProtocol(multiaddr(addr), '/libp2p-http')
  const head = Object.entries({ Host: 'cluster', Connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('')
  stream.send(new TextEncoder().encode(`GET ${path} HTTP/1.1\r\n${head}\r\n`))
  await stream.close()
  let text = ''
  for await (const chunk of stream) text += Buffer.from(chunk.subarray()).toString('utf8')
  const [top, ...rest] = text.split('\r\n\r\n')
  const [statusLine, ...lines] = top.split('\r\n')
  const out: Record<string, string> = {}
  for (const l of lines) {
    const i = l.indexOf(':')
    out[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim()
  }
  return { status: Number(statusLine.split(' ')[1]), headers: out, body: rest.join('\r\n\r\n') }
}

describe('REST API over libp2p-HTTP', { timeout: 300_000 }, () => {
  let d: DaemonHandle
  let client: Libp2p
  let addr: string
  let apiPeer: string

  before(async () => {
    ;({ daemon: d, addr, apiPeer } = await startLibp2pHttpDaemon())
    client = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  })

  after(async () => {
    await client?.stop()
    await d?.stop()
    d?.cleanup()
  })

  it('the dedicated host has the configured identity, not the cluster peer one', () => {
    assert.notEqual(apiPeer, d.peerId)
  })

  it('serves the same routes, with the same authentication', async () => {
    const denied = await p2pRequest(client, addr, '/id')
    assert.equal(denied.status, 401)
    const r = await p2pRequest(client, addr, '/id', { Authorization: basic('alice', 'secret') })
    assert.equal(r.status, 200)
    assert.equal(r.headers['content-type'], 'application/json')
    assert.equal(JSON.parse(r.body).id, d.peerId)
  })

  it('streams NDJSON with the trailer', async () => {
    const r = await p2pRequest(client, addr, '/peers', { Authorization: basic('alice', 'secret') })
    assert.equal(r.status, 200)
    assert.equal(r.headers.trailer, 'X-Stream-Error')
    assert.match(r.body, new RegExp(d.peerId))
    assert.match(r.body, /X-Stream-Error: \r\n/)
  })
})
