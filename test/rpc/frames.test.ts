// RPC frames: a block's bytes are sent as they are after the frame's head, and the pieces
// joined are exactly the CBOR of the whole frame, which decodes back to the same frame.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { encode } from 'cborg'
import { decodeFrame, encodeFrame } from '../../src/rpc/frames.js'
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
})
