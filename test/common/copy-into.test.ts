// copyInto writes exactly what dst.set would, to and from shared and unshared memory, at every
// relative alignment, for small and large sources (staged in several passes), and leaves the
// bytes around the destination untouched.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { copyInto } from '../../src/common/copy-into.js'

describe('copyInto', () => {
  it('copies like set at every alignment, between shared and unshared buffers either way', () => {
    const bytesOf = (shared: boolean, n: number): Uint8Array => {
      const b = new Uint8Array(shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n))
      b.set(randomBytes(n))
      return b
    }
    for (const [dstShared, srcShared] of [[true, false], [false, true], [false, false], [true, true]]) {
      const source = bytesOf(srcShared, (1 << 20) * 2 + 100)
      for (const size of [1, 100, 4095, 4096, 262_144 + 5, (1 << 20) * 2 + 37]) {
        for (const srcShift of [0, 1, 3, 8]) {
          for (const at of [0, 5, 8, 13]) {
            const src = source.subarray(srcShift, srcShift + size)
            const bytes = size + at + 32
            const dst = new Uint8Array(dstShared ? new SharedArrayBuffer(bytes + 7) : new ArrayBuffer(bytes + 7), 7, bytes).fill(0xee)
            const want = new Uint8Array(bytes).fill(0xee)
            want.set(src, at)
            copyInto(dst, src, at)
            assert.ok(Buffer.from(dst).equals(Buffer.from(want)), `dst shared ${dstShared} src shared ${srcShared} size ${size} shift ${srcShift} at ${at}`)
          }
        }
      }
    }
  })

  it('refuses a copy that does not fit, as set does, and writes nothing then', () => {
    const dst = new Uint8Array(new SharedArrayBuffer(3 << 20))
    for (const [size, at] of [[8_001, (3 << 20) - 8_000], [(3 << 20) - 2, 3]]) {
      assert.throws(() => { copyInto(dst, new Uint8Array(new ArrayBuffer(size + 1), 1).fill(1), at) }, RangeError)
      assert.ok(dst.every(b => b === 0), 'nothing written')
    }
  })

  it('leaves a source that already is the destination at its place, and still refuses one past its end', () => {
    for (const shared of [true, false]) {
      const whole = new Uint8Array(shared ? new SharedArrayBuffer(20_000) : new ArrayBuffer(20_000))
      whole.set(randomBytes(20_000))
      const before = Buffer.from(whole)
      const dst = whole.subarray(100, 10_100)
      copyInto(dst, whole.subarray(1_100, 9_100), 1_000)
      assert.ok(Buffer.from(whole).equals(before))
      assert.throws(() => { copyInto(dst, whole.subarray(1_100, 12_100), 1_000) }, RangeError)
    }
  })
})
