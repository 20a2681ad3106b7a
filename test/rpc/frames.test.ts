// RPC frames: a block's bytes are sent as they are after the frame's head, and the pieces
// joined are exactly the CBOR of the whole frame, which decodes back to the same frame; a block
// item read off a stream keeps its bytes in the pieces they arrived in, any other frame decodes whole;
// a block relayed in those pieces encodes as the block joined.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { encode } from 'cborg'
import { Uint8ArrayList } from 'uint8arraylist'
import { decodeBytesItemFrame, decodeFrame, decodeItemFrame, encodeFrame } from '../../src/rpc/frames.js'
import type { Frame } from '../../src/rpc/frames.js'

const join = (pieces: Uint8Array[]): Buffer => Buffer.concat(pieces)

describe('rpc frames', () => {
  it('encode in pieces to the CBOR of the whole frame and decode back', () => {
    const block = (n: number): Uint8Array => new Uint8Array(randomBytes(n))
    const frames: Frame[] = [
      { s: 'IPFSConnector', m: 'BlockStream', a: null },
      { i: { cid: 'bafkqaaa', bytes: block(10) } },
      { i: { cid: 'bafkqaaa', bytes: block(4096) } },
      { i: { cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', bytes: block(256 * 1024) } },
      { i: block(70_000) },
      { r: block(5_000_000) },
      { r: { cid: 'x', bytes: block(100_000), extra: 1 } },
      { i: null },
      { z: true },
      { e: 'boom', c: 404 }
    ]
    for (const f of frames) {
      const pieces = encodeFrame(f)
      assert.deepEqual(join(pieces), Buffer.from(encode(f)), JSON.stringify(Object.keys(f)))
      // blocks decode as Buffer views: compared through their encoding
      assert.deepEqual(Buffer.from(encode(decodeFrame(join(pieces)))), Buffer.from(encode(f)))
    }
  })

  it('leaves a large block out of the encoding: its bytes are the last piece, not a copy', () => {
    const bytes = new Uint8Array(randomBytes(300_000))
    const pieces = encodeFrame({ i: { cid: 'bafy', bytes } })
    assert.equal(pieces[pieces.length - 1], bytes)
    const raw = encodeFrame({ r: bytes })
    assert.equal(raw[raw.length - 1], bytes)
  })

  it('decodes a block as a view of the frame it came in', () => {
    const frame = join(encodeFrame({ i: { cid: 'bafy', bytes: new Uint8Array(randomBytes(8192)) } }))
    const f = decodeFrame(frame) as { i: { bytes: Uint8Array } }
    assert.equal(f.i.bytes.buffer, frame.buffer)
  })

  it('decodes a block item off a stream as the pieces it arrived in, however they were cut', () => {
    const cid = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    for (const size of [4096, 70_000, 256 * 1024, 1024 * 1024 + 7]) {
      const bytes = new Uint8Array(randomBytes(size))
      const whole = join(encodeFrame({ i: { cid, bytes } }))
      for (const cuts of [[], [1], [3, 70], [whole.length - size], [whole.length - size + 1, whole.length - 5]]) {
        const list = new Uint8ArrayList()
        let from = 0
        for (const cut of [...cuts, whole.length]) { list.append(whole.subarray(from, cut)); from = cut }
        const f = decodeItemFrame(list) as { i: { cid: string, bytes: Uint8ArrayList } }
        assert.equal(f.i.cid, cid)
        assert.ok(f.i.bytes instanceof Uint8ArrayList, `${size} cut at ${cuts.join(',')}`)
        assert.ok(Buffer.from(f.i.bytes.subarray()).equals(bytes))
        for (const piece of f.i.bytes) assert.equal(piece.buffer, whole.buffer, 'a view of what arrived, not a copy')
      }
    }
  })

  it('decodes a bytes item off a stream of bytes as the pieces it arrived in (a shard read block by block)', () => {
    for (const size of [4096, 70_000, 256 * 1024 + 3]) {
      const bytes = new Uint8Array(randomBytes(size))
      const whole = join(encodeFrame({ i: bytes }))
      for (const cuts of [[], [1], [2, 4], [whole.length - size], [whole.length - size + 1, whole.length - 5]]) {
        const list = new Uint8ArrayList()
        let from = 0
        for (const cut of [...cuts, whole.length]) { list.append(whole.subarray(from, cut)); from = cut }
        const f = decodeBytesItemFrame(list) as { i: Uint8ArrayList }
        assert.ok(f.i instanceof Uint8ArrayList, `${size} cut at ${cuts.join(',')}`)
        // a block stream's reader (a sink's handler) gets such an item whole
        assert.ok(Buffer.from(decodeItemFrame(list).i as Uint8Array).equals(bytes))
        assert.ok(Buffer.from(f.i.subarray()).equals(bytes))
        for (const piece of f.i) assert.equal(piece.buffer, whole.buffer, 'a view of what arrived, not a copy')
      }
    }
    // a bytes item cut short is no bytes item: CBOR says what is wrong
    const whole = join(encodeFrame({ i: new Uint8Array(randomBytes(8192)) }))
    assert.throws(() => decodeBytesItemFrame(new Uint8ArrayList(whole.subarray(0, whole.length - 1))))
  })

  it('encodes a block relayed in its pieces as the CBOR of the joined block', () => {
    for (const size of [10, 4096, 300_000]) {
      const bytes = new Uint8Array(randomBytes(size))
      const pieces = new Uint8ArrayList(bytes.subarray(0, 3), bytes.subarray(3, size >> 1), bytes.subarray(size >> 1))
      for (const [relayed, joined] of [[{ i: pieces }, { i: bytes }], [{ i: { cid: 'bafy', bytes: pieces } }, { i: { cid: 'bafy', bytes } }]] as Array<[Frame, Frame]>) {
        assert.deepEqual(join(encodeFrame(relayed)), Buffer.from(encode(joined)), `${size} bytes`)
      }
    }
  })

  it('decodes any other frame off a stream whole, as decodeFrame does', () => {
    const others: Frame[] = [
      { i: { cid: 'bafkqaaa', bytes: new Uint8Array(randomBytes(100)) } },
      { i: new Uint8Array(randomBytes(70_000)) },
      { i: { cid: 'x', bytes: new Uint8Array(randomBytes(100_000)), extra: 1 } },
      { i: 'a string item of some length'.repeat(500) },
      { z: true },
      { e: 'boom', c: 404 }
    ]
    for (const f of others) {
      const whole = join(encodeFrame(f))
      const list = new Uint8ArrayList(whole.subarray(0, 2), whole.subarray(2))
      assert.deepEqual(Buffer.from(encode(decodeItemFrame(list))), Buffer.from(encode(f)))
    }
    // a block item whose length does not end at the frame's end is no block item: CBOR says what is wrong
    const whole = join(encodeFrame({ i: { cid: 'bafy', bytes: new Uint8Array(randomBytes(8192)) } }))
    assert.throws(() => decodeItemFrame(new Uint8ArrayList(whole.subarray(0, whole.length - 1))))
  })
})
