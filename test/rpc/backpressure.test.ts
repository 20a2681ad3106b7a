// Peer RPC between two real libp2p hosts (TCP, noise, yamux, private network) on 127.0.0.1:
// a streamed argument far larger than any buffer, into a handler slower than the sender, and a
// streamed result read by a slow consumer, both arrive whole and in order. Before the frame
// reader paused its stream, yamux kept granting window and the reader's buffer overflowed at
// 4 MiB ("Cannot write to a stream that is closed" on the sender).
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import pino from 'pino'
import { clusterConfigSection } from '../../src/cluster/config.js'
import { createClusterHost } from '../../src/host/host.js'
import type { ClusterHost } from '../../src/host/host.js'
import { BandwidthMeter } from '../../src/host/bandwidth.js'
import { RpcServer } from '../../src/rpc/server.js'
import { RpcClient } from '../../src/rpc/client.js'

const BLOCK = 256 * 1024
const BLOCKS = 192 // 48 MiB
const logger = pino({ level: 'silent' })
let a: ClusterHost
let b: ClusterHost
let client: RpcClient
/** items the slow handler has taken so far */
let consumed = 0
/** the endless streamed result's handler: runs started and ended, items produced */
const endless = { started: 0, ended: 0, sent: 0 }

function block (i: number): Uint8Array {
  return new Uint8Array(BLOCK).fill(i % 251)
}

before(async () => {
  const secret = clusterConfigSection.defaults().secret
  const cfg = { ...clusterConfigSection.defaults(), secret, listen_multiaddress: ['/ip4/127.0.0.1/tcp/0'], mdns_interval: 0 }
  a = await createClusterHost(cfg, await generateKeyPair('Ed25519'), new BandwidthMeter())
  b = await createClusterHost(cfg, await generateKeyPair('Ed25519'), new BandwidthMeter())
  await a.start()
  await b.start()
  const server = new RpcServer({ host: b, logger, isTrusted: () => true })
  server.register('Test', 'SlowSink', {
    policy: 'open',
    kind: 'sink',
    handler: async (_arg, items: AsyncIterable<Uint8Array>) => {
      let n = 0
      for await (const item of items) {
        assert.ok(Buffer.from(item).equals(Buffer.from(block(n))), `item ${n} intact`)
        n++
        consumed = n
        await sleep(5) // a blockstore slower than the network
      }
      return n
    }
  })
  server.register('Test', 'Endless', {
    policy: 'open',
    kind: 'stream',
    handler: async function * () {
      endless.started++
      try {
        for (let i = 0; ; i++) {
          endless.sent = i
          yield block(i)
        }
      } finally {
        endless.ended++
      }
    }
  })
  server.register('Test', 'Blocks', {
    policy: 'open',
    kind: 'stream',
    handler: async function * () { for (let i = 0; i < BLOCKS; i++) yield block(i) }
  })
  await server.start()
  await a.dial(b.getMultiaddrs()[0])
  client = new RpcClient({ host: a, logger })
})
after(async () => {
  await a?.stop()
  await b?.stop()
})

test('a streamed argument larger than every buffer reaches a slow handler whole, the sender held back', async () => {
  consumed = 0
  let produced = 0
  let ahead = 0
  const items = (async function * () {
    for (let i = 0; i < BLOCKS; i++) {
      ahead = Math.max(ahead, produced - consumed)
      produced++
      yield block(i)
    }
  })()
  const n = await client.sink<number>(b.peerId.toString(), 'Test', 'SlowSink', null, items)
  assert.equal(n, BLOCKS)
  // in flight at most: the yamux window (4 MiB), the paused reader's buffers (~9 MiB): never
  // the whole stream, which is what an unbounded write buffer on the sender lets through
  assert.ok(ahead * BLOCK < 20 * 1024 * 1024, `the sender ran ${ahead} blocks (${ahead * BLOCK} bytes) ahead of the handler`)
})

test('a streamed result larger than every buffer reaches a slow consumer whole', async () => {
  let n = 0
  for await (const item of client.stream<Uint8Array>(b.peerId.toString(), 'Test', 'Blocks', null)) {
    assert.ok(Buffer.from(item).equals(Buffer.from(block(n))), `item ${n} intact`)
    n++
    await sleep(5)
  }
  assert.equal(n, BLOCKS)
})

test('a caller that stops reading a streamed result midway stops the peer\'s handler at once', async () => {
  let n = 0
  for await (const item of client.stream<Uint8Array>(b.peerId.toString(), 'Test', 'Endless', null)) {
    assert.equal(item.byteLength, BLOCK)
    if (++n === 3) break
  }
  // the stream was reset, not half-closed: the handler's generator is ended right away instead
  // of blocking on flow control until the connection goes
  const deadline = Date.now() + 5000
  while (endless.ended < endless.started && Date.now() < deadline) await sleep(20)
  assert.equal(endless.started, 1)
  assert.equal(endless.ended, 1, `the handler still runs (${endless.sent} items produced)`)
  // and the connection is fine for the next call
  let m = 0
  for await (const item of client.stream<Uint8Array>(b.peerId.toString(), 'Test', 'Blocks', null)) {
    assert.ok(Buffer.from(item).equals(Buffer.from(block(m))), `item ${m} intact`)
    m++
  }
  assert.equal(m, BLOCKS)
})
