// The private network protector: the XSalsa20 keystream continues across writes of any size
// (Go's x/crypto test vector, and random splits against one pass), hosts with the same secret
// connect and exchange data, with each XSalsa20 implementation against another and against
// js-libp2p's own @libp2p/pnet (the protocol is go-libp2p's), a host with another secret cannot
// connect, and many connections moving megabytes at once keep working (the @libp2p/pnet cipher
// died there; ours share one wasm kernel).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { xsalsa20 } from '@noble/ciphers/salsa.js'
import type { Libp2p } from '@libp2p/interface'
import { preSharedKey } from '@libp2p/pnet'
import { XSalsa20Stream, privateNetwork } from '../../src/host/pnet.js'
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
