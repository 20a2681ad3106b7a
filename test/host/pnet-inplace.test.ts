// The private network's XSalsa20 stream: XORing in place and into copies, in pieces of any size
// at any alignment, continues one keystream byte for byte as @noble/ciphers codes it at once,
// with each implementation that loads here (libsodium, wasm-simd, noble-js).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { xsalsa20 } from '@noble/ciphers/salsa.js'
import { XSalsa20Stream } from '../../src/host/pnet.js'
import { XSALSA20_AVAILABLE, XSALSA20_IMPLEMENTATION } from '../../src/host/xsalsa20.js'
import type { XSalsa20Implementation } from '../../src/host/xsalsa20.js'

describe('XSalsa20Stream', () => {
  it('uses libsodium where sodium-native is installed (it is on linux-x64), and has WebAssembly SIMD', () => {
    if (process.platform === 'linux' && process.arch === 'x64') {
      assert.deepEqual(XSALSA20_AVAILABLE, ['libsodium', 'wasm-simd', 'noble-js'])
      const asked = process.env.CLUSTER_PNET_JS === '1' ? 'noble-js' : process.env.CLUSTER_PNET_XSALSA20
      assert.equal(XSALSA20_IMPLEMENTATION, asked ?? 'libsodium')
    }
  })

  for (const impl of XSALSA20_AVAILABLE) {
    it(`${impl}: codes any split, in place or into a copy, aligned or not, as one keystream`, () => codesAnySplit(impl))
  }
})

function codesAnySplit (impl: XSalsa20Implementation): void {
  for (let trial = 0; trial < 200; trial++) {
    const key = randomBytes(32)
    const nonce = randomBytes(24)
    const total = 1 + Math.floor(Math.random() * 5000)
    const data = randomBytes(total)
    const want = xsalsa20(key, nonce, new Uint8Array(data))
    const stream = new XSalsa20Stream(key, nonce, impl)
    assert.equal(stream.implementation, impl)
    const out = Buffer.alloc(total)
    for (let at = 0; at < total;) {
      const n = Math.min(total - at, 1 + Math.floor(Math.random() * 300))
      const shift = trial % 4 // views at every 4-byte alignment
      const view = new Uint8Array(n + shift).subarray(shift)
      view.set(data.subarray(at, at + n))
      if ((trial + at) % 2 === 0) stream.xorTo(view, view)
      else view.set(stream.update(view))
      out.set(view, at)
      at += n
    }
    assert.ok(out.equals(Buffer.from(want)), `trial ${trial}: ${total} bytes`)
  }
}
