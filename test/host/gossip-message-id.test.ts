// gossipsub's fast message id (src/host/gossip-message-id.ts): copies of one message (same
// sender, same sequence number) share an id, whatever their data, so a copy is dropped before its
// signature is checked; messages that differ in sender or sequence number never share one.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { fastMessageId } from '../../src/host/gossip-message-id.js'

test('copies of a message share its fast id; another sender or sequence number does not', () => {
  const from = randomBytes(38)
  const seqno = randomBytes(8)
  const id = fastMessageId({ from, seqno })
  // a copy decoded from another peer's RPC: other buffers, same bytes
  assert.equal(fastMessageId({ from: Uint8Array.from(from), seqno: Uint8Array.from(seqno) }), id)
  // a view into a larger buffer (as protobuf decoding gives) reads only its own bytes
  const frame = Buffer.concat([randomBytes(5), from, randomBytes(7)])
  assert.equal(fastMessageId({ from: frame.subarray(5, 5 + from.byteLength), seqno }), id)
  const otherSeqno = Uint8Array.from(seqno)
  otherSeqno[7] ^= 1
  assert.notEqual(fastMessageId({ from, seqno: otherSeqno }), id)
  assert.notEqual(fastMessageId({ from: randomBytes(38), seqno }), id)
  // the boundary between the two fields is kept: moving a byte from one to the other changes the id
  assert.notEqual(fastMessageId({ from: from.subarray(0, 37), seqno: Buffer.concat([from.subarray(37), seqno]) }), id)
})

test('a message without sender or sequence number still gets an id (it fails validation and is never recorded)', () => {
  assert.equal(typeof fastMessageId({}), 'string')
  assert.notEqual(fastMessageId({ seqno: randomBytes(8) }), fastMessageId({ from: randomBytes(38) }))
})
