// A hasher gives the same digest for bytes whole or cut into pieces (blocks received from another
// peer are checked piece by piece), for node:crypto's functions and @noble's BLAKE2 alike.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { hasherByName } from '../../src/adder/hashes.js'

test('digest of pieces equals digest of the whole', () => {
  const bytes = new Uint8Array(randomBytes(300_001))
  for (const name of ['sha2-256', 'sha2-512', 'sha3-256', 'blake2b-256', 'blake2s-128']) {
    const h = hasherByName(name)
    const whole = h.digest(bytes).bytes
    for (const cuts of [[0], [1], [65_536, 65_550], [300_000]]) {
      const pieces: Uint8Array[] = []
      let from = 0
      for (const cut of [...cuts, bytes.length]) { pieces.push(bytes.subarray(from, cut)); from = cut }
      assert.deepEqual(h.digest(pieces).bytes, whole, `${name} cut at ${cuts.join(',')}`)
    }
  }
})
