// BlockChannel with several producers at once (an erasure add sends a stripe's parity while the
// next stripe's leaves go to the same peer): every waiting producer goes on as the consumer
// takes blocks. A producer that was never woken waited out the 30 s stall limit.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { BlockChannel } from '../../src/cluster/block-channel.js'

describe('BlockChannel', () => {
  it('wakes every waiting producer, not only the last one', async () => {
    const channel = new BlockChannel()
    const produce = async (name: string): Promise<void> => {
      for (let i = 0; i < 40; i++) await channel.push({ cid: `${name}${i}`, bytes: new Uint8Array(1) })
    }
    const got: string[] = []
    const consume = (async () => {
      for await (const b of channel) {
        got.push(b.cid)
        await new Promise(resolve => setImmediate(resolve))
      }
    })()
    const producers = Promise.all([produce('a'), produce('b')]).then(() => { channel.end() })
    // far below the 30 s after which a producer nobody woke would go on by itself
    const stalled = new Promise<string>(resolve => setTimeout(() => resolve('stalled'), 10_000).unref())
    assert.notEqual(await Promise.race([producers.then(() => 'done'), stalled]), 'stalled')
    await consume
    assert.equal(got.length, 80)
    assert.equal(channel.failed, undefined)
  })

  it('a failed channel makes its waiting consumer throw at once, with the first reason', async () => {
    const channel = new BlockChannel()
    await channel.push({ cid: 'a', bytes: new Uint8Array(1) })
    const got: string[] = []
    const consume = (async () => {
      for await (const b of channel) got.push(b.cid)
    })()
    await new Promise(resolve => setImmediate(resolve))
    channel.fail('the peer went away')
    channel.fail('a later reason')
    await assert.rejects(consume, /block stream given up: the peer went away/)
    assert.deepEqual(got, ['a'])
    assert.equal(channel.failed, 'the peer went away')
    // producers return at once
    await channel.push({ cid: 'b', bytes: new Uint8Array(1) })
  })
})
