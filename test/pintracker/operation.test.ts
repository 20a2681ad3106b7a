// A tracker operation's cancellation: a running operation's signal is aborted; a queued one is
// only marked (workers drop it), and a signal asked for afterwards is already aborted. A queued
// operation gets no AbortController: a tracker with a million queued pins stopped by making and
// aborting a million of them (17 s and 700 MB of heap at the end of bench/pinset at 1M pins).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Operation } from '../../src/pintracker/operation.js'
import type { Pin } from '../../src/api/types.js'

const pin = { cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', type: 'pin', max_depth: -1 } as unknown as Pin

describe('Operation', () => {
  it('a pin operation keeps what IPFS pins with, and follows the pinset\'s changes', () => {
    const op = new Operation('pin', { ...pin, name: 'n', origins: ['/ip4/1.2.3.4/tcp/4001'] } as Pin, 0, false)
    assert.deepEqual(op.pin, { cid: pin.cid, type: 'pin', max_depth: -1, origins: ['/ip4/1.2.3.4/tcp/4001'] })
    op.pin = { ...pin, max_depth: 0, origins: [], pin_update: 'bafyold' } as unknown as Pin
    assert.deepEqual(op.pin, { cid: pin.cid, type: 'pin', max_depth: 0, origins: [], pin_update: 'bafyold' })
    op.pin = pin
    assert.deepEqual(op.pin, { cid: pin.cid, type: 'pin', max_depth: -1 })
  })

  it('aborts the signal of a running operation when cancelled', () => {
    const op = new Operation('pin', pin, 0, false)
    const signal = op.signal
    assert.equal(signal.aborted, false)
    op.cancel()
    assert.equal(op.cancelled, true)
    assert.equal(signal.aborted, true)
  })

  it('marks a queued operation cancelled; a signal asked for later is already aborted', () => {
    const op = new Operation('unpin', pin, 0, false)
    assert.equal(op.cancelled, false)
    op.cancel()
    assert.equal(op.cancelled, true)
    assert.equal(op.signal.aborted, true)
    assert.equal(op.status(), 'unpin_queued')
  })
})
