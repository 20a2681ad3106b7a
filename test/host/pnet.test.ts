// The private network protector: the XSalsa20 keystream continues across writes of any size
// (Go's x/crypto test vector, and random splits against one pass), hosts with the same secret
// connect and exchange data, with each XSalsa20 implementation against another and against
// js-libp2p's own @libp2p/pnet (the protocol is go-libp2p's), a host with another secret cannot
// connect, and many connections moving megabytes at once keep working (the @libp2p/pnet cipher
// died there; ours share one wasm kernel), and bulk sends reuse a connection's send buffer
// without corrupting what waits in the socket while the peer does not read.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { connect, createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { xsalsa20 } from '@noble/ciphers/salsa.js'
import type { Libp2p } from '@libp2p/interface'
import { preSharedKey } from '@libp2p/pnet'
import { XSalsa20Stream, pnetSendStats, privateNetwork } from '../../src/host/pnet.js'
import { echo, echoHost } from '../harness/echo-host.js'
import { XSALSA20_AVAILABLE } from '../../src/host/xsalsa20.js'

test('XSalsa20Stream: Go x/crypto vector, and any split equals one pass', () => {
  const key = new TextEncoder().encode('this is 32-byte key for xsalsa20')
  const nonce = new TextEncoder().encode('24-byte nonce for xsalsa')
  const out = new XSalsa20Stream(key, nonce).update(new TextEncoder().encode('Hello world!'))
  assert.equal(Buffer.from(out).toString('hex'), '002d4513843fc240c401e541')

  const data = randomBytes(300_000)
  const k = randomBytes(32)
  const n = randomBytes(24)
  const whole = xsalsa20(k, n, data)
  for (let round = 0; round < 5; round++) {
    const s = new XSalsa20Stream(k, n)
    const parts: Uint8Array[] = []
    for (let at = 0; at < data.length;) {
      const len = Math.min(data.length - at, 1 + Math.floor(Math.random() * 5000))
      parts.push(s.update(data.subarray(at, at + len)))
      at += len
    }
    assert.ok(Buffer.concat(parts).equals(Buffer.from(whole)), `round ${round}`)
  }
})

function swarmKey (hex: string): Uint8Array {
  return new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${hex}`)
}

async function host (protector: any): Promise<Libp2p> {
  return await echoHost({ protector })
}

for (const [i, impl] of XSALSA20_AVAILABLE.entries()) {
  const other = XSALSA20_AVAILABLE[(i + 1) % XSALSA20_AVAILABLE.length]
  test(`${impl}: same secret connects and moves data, with ${other} and @libp2p/pnet on the other end too`, async () => {
    const secret = randomBytes(32)
    const a = await host(privateNetwork(secret, impl))
    const b = await host(privateNetwork(secret, other))
    const c = await host(preSharedKey({ psk: swarmKey(secret.toString('hex')) }))
    try {
      const data = randomBytes(3 * 1024 * 1024 + 17)
      assert.ok((await echo(a, b, data)).equals(data), `${impl} -> ${other}`)
      assert.ok((await echo(b, a, data)).equals(data), `${other} -> ${impl}`)
      assert.ok((await echo(a, c, data)).equals(data), `${impl} -> @libp2p/pnet`)
      assert.ok((await echo(c, a, data)).equals(data), `@libp2p/pnet -> ${impl}`)
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()])
    }
  })
}

test('another secret cannot connect', async () => {
  const a = await host(privateNetwork(randomBytes(32)))
  const b = await host(privateNetwork(randomBytes(32)))
  try {
    await assert.rejects(a.dial(b.getMultiaddrs()[0], { signal: AbortSignal.timeout(10_000) }))
    assert.equal(a.getConnections().length, 0)
  } finally {
    await Promise.all([a.stop(), b.stop()])
  }
})

test('many connections moving megabytes at once (the hub\'s all on the one wasm-simd kernel)', async () => {
  const secret = randomBytes(32)
  const fast = XSALSA20_AVAILABLE.filter(impl => impl !== 'noble-js')
  const hub = await host(privateNetwork(secret, fast.includes('wasm-simd') ? 'wasm-simd' : undefined))
  const peers = await Promise.all(Array.from({ length: 6 }, async (_, i) => await host(privateNetwork(secret, fast[i % fast.length]))))
  try {
    const data = randomBytes(24 * 1024 * 1024)
    const results = await Promise.all(peers.map(async p => await echo(hub, p, data)))
    for (const r of results) assert.ok(r.equals(data))
  } finally {
    await Promise.all([hub.stop(), ...peers.map(async p => { await p.stop() })])
  }
})

/**
 * A TCP relay to `port` on 127.0.0.1 that can stop reading what the dialer sends (hold), so the
 * dialer's socket fills and its writes wait, as they do towards a slow peer.
 */
async function tcpRelay (port: number): Promise<{ port: number, hold: () => void, release: () => void, close: () => Promise<void> }> {
  let held = false
  const clients = new Set<Socket>()
  const server = createServer(client => {
    const up = connect(port, '127.0.0.1')
    clients.add(client)
    if (held) client.pause()
    client.on('data', d => { if (!up.write(d)) client.pause() })
    up.on('drain', () => { if (!held) client.resume() })
    up.pipe(client)
    // either side closing closes the other (close() below relies on it)
    const end = (): void => { client.destroy(); up.destroy() }
    client.on('error', end).on('close', end)
    up.on('error', end).on('close', end)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    hold: () => { held = true; for (const c of clients) c.pause() },
    release: () => { held = false; for (const c of clients) c.resume() },
    close: async () => {
      for (const c of clients) c.destroy()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

test('bulk sends reuse the connection\'s send buffer, and a peer that stops reading for a while still gets every byte intact', async () => {
  const secret = randomBytes(32)
  // both ends start every stream with a 16 MiB window: a writes that much per stream at once
  const windows = { streamOptions: { initialStreamWindowSize: 16 * 1024 * 1024, maxStreamWindowSize: 16 * 1024 * 1024 } }
  const a = await echoHost({ protector: privateNetwork(secret), yamux: windows })
  const b = await echoHost({ protector: privateNetwork(secret), yamux: windows })
  const relay = await tcpRelay(Number(b.getMultiaddrs()[0].toString().split('/')[4]))
  try {
    await a.dial(multiaddr(`/ip4/127.0.0.1/tcp/${relay.port}/p2p/${b.peerId.toString()}`), { signal: AbortSignal.timeout(10_000) })
    const before = { ...pnetSendStats }
    // 4 streams write 8 MiB each into a connection that is not read: most of it waits in a's
    // socket and send queues (each send then goes out once the socket drains), then all of it
    // goes through
    relay.hold()
    const data = randomBytes(8 * 1024 * 1024 + 3)
    const echoes = Array.from({ length: 4 }, async () => await echo(a, b, data, 1024 * 1024))
    await new Promise(resolve => setTimeout(resolve, 500))
    relay.release()
    for (const back of await Promise.all(echoes)) assert.ok(back.equals(data))
    assert.equal(a.getConnections(b.peerId).length, 1, 'one connection, through the relay')
    const reused = pnetSendStats.reused - before.reused
    const allocated = pnetSendStats.allocated - before.allocated
    assert.ok(reused > 0, `no send reused its buffer (${allocated} allocated)`)
    assert.ok(allocated > 0)
  } finally {
    await Promise.all([a.stop(), b.stop()])
    await relay.close()
  }
})
