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
import { StreamSocket } from '../../src/restapi/common/libp2p-http.js'
import { once } from 'node:events'

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

describe('StreamSocket (a libp2p stream as node:http\'s socket)', { timeout: 120_000 }, () => {
  const CHUNK = 256 * 1024

  /** Writes chunks until the socket holds them for `quietMs` (backpressure) or `cap` bytes went in; the bytes it took. */
  async function writeUntilHeld (socket: StreamSocket, cap: number, quietMs: number): Promise<number> {
    let taken = 0
    while (taken < cap) {
      taken += CHUNK
      if (!socket.write(Buffer.alloc(CHUNK, 1))) {
        const drained = await Promise.race([once(socket, 'drain').then(() => true), new Promise(resolve => setTimeout(resolve, quietMs, false))])
        if (drained !== true) return taken
      }
    }
    return taken
  }

  it('holds writes while the remote reads nothing, after as before the first drain', async () => {
    const nodes = await Promise.all([0, 1].map(async () => await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()]
    })))
    try {
      const [client, server] = nodes
      let remote: any
      const opened = new Promise<void>(resolve => {
        void server.handle('/test/sink', (stream: any) => { stream.pause(); remote = stream; resolve() })
      })
      const stream = await client.dialProtocol(server.getMultiaddrs()[0], '/test/sink')
      const socket = new StreamSocket(stream, 'server')
      socket.on('error', () => {})
      await opened
      // the remote reads nothing: the socket takes what the muxer's window allows, then holds
      const first = await writeUntilHeld(socket, 96 * 1024 * 1024, 1500)
      assert.ok(first < 48 * 1024 * 1024, `took ${first} bytes the remote never read`)
      // the remote reads a while (the stream drains), then stops again
      const read = (async () => { for await (const _ of remote) { /* dropped */ } })()
      remote.resume()
      await once(socket, 'drain')
      remote.pause()
      await new Promise(resolve => setTimeout(resolve, 500))
      // before, only the first wait for a drain held (libp2p's onDrain() promise is never
      // renewed): from here every write was taken at once and piled up in the stream's buffer
      const second = await writeUntilHeld(socket, 96 * 1024 * 1024, 1500)
      assert.ok(second < 48 * 1024 * 1024, `took ${second} more bytes the remote never read`)
      socket.destroy()
      remote.abort(new Error('done'))
      await read.catch(() => {})
    } finally {
      await Promise.all(nodes.map(async n => { await n.stop() }))
    }
  })
})
