// The private network's XSalsa20 implementations, the WebAssembly SIMD kernel above all: the
// same bytes as @noble/ciphers' one-shot xsalsa20 for every chunking (1 byte to several MiB, at
// any offset in a block, continued across calls, in place, into a copy or into another buffer),
// many streams sharing the one kernel instance, the 64-bit block counter carrying past 2^32 as
// libsodium's does, memory that never grows, the fallback where WebAssembly is missing, and the
// committed kernel being what its generator writes.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { xsalsa20 } from '@noble/ciphers/salsa.js'
import { XSALSA20_AVAILABLE, XSalsa20Stream, xsalsa20WasmMemoryBytes } from '../../src/host/xsalsa20.js'
import type { XSalsa20Implementation } from '../../src/host/xsalsa20.js'
import { Salsa20Simd, xsalsa20KeyNonce } from '../../src/host/xsalsa20/simd.js'

const MIB = 1024 * 1024
const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..', '..') // dist/test/host -> the repository
const xsalsaModule = join(here, '..', '..', 'src', 'host', 'xsalsa20.js')

type Mode = 'update' | 'inPlace' | 'into'

/** Codes `data` through `stream` in pieces of `sizes` (cycled), each piece in `mode` (cycled). */
function codeInPieces (stream: XSalsa20Stream, data: Uint8Array, sizes: () => number, modes: Mode[]): Buffer {
  const out = Buffer.alloc(data.byteLength)
  let i = 0
  for (let at = 0; at < data.byteLength; i++) {
    const n = Math.min(data.byteLength - at, sizes())
    const piece = data.subarray(at, at + n)
    const mode = modes[i % modes.length]
    if (mode === 'update') {
      const before = Buffer.from(piece)
      out.set(stream.update(piece), at)
      assert.ok(before.equals(piece), 'update() left its input as it was')
    } else if (mode === 'inPlace') {
      const copy = new Uint8Array(n + 3).subarray(i % 4, i % 4 + n) // any alignment
      copy.set(piece)
      stream.xorTo(copy, copy)
      out.set(copy, at)
    } else {
      stream.xorTo(piece, out.subarray(at, at + n))
    }
    at += n
  }
  return out
}

const CHUNKINGS: Array<[string, number, () => number]> = [
  ['1 byte', 3000, () => 1],
  ['63 bytes', 20_000, () => 63],
  ['64 bytes', 20_000, () => 64],
  ['65 bytes', 20_000, () => 65],
  ['1000 bytes', 100_000, () => 1000],
  ['64 KiB + 7', 5 * 65543 + 11, () => 65543],
  ['3 MiB + 5', 8 * MIB, () => 3 * MIB + 5],
  ['random up to 300 KiB', 4 * MIB, () => 1 + Math.floor(Math.random() * 300 * 1024)],
  ['random up to 200 bytes', 50_000, () => 1 + Math.floor(Math.random() * 200)]
]

describe('XSalsa20Stream implementations', () => {
  for (const impl of XSALSA20_AVAILABLE) {
    it(`${impl}: one keystream, as noble codes it at once, for every chunking and way of coding`, () => {
      for (const [name, total, sizes] of CHUNKINGS) {
        if (impl === 'noble-js' && total > MIB) continue // slow, and only the fallback
        const key = randomBytes(32)
        const nonce = randomBytes(24)
        const data = randomBytes(total)
        const want = Buffer.from(xsalsa20(key, nonce, data))
        for (const modes of [['inPlace'], ['update'], ['into'], ['inPlace', 'update', 'into']] as Mode[][]) {
          const got = codeInPieces(new XSalsa20Stream(key, nonce, impl), data, sizes, modes)
          assert.ok(got.equals(want), `${impl}, pieces of ${name}, ${modes.join('+')}`)
        }
      }
    })
  }

  it('the Go x/crypto vector, with every implementation', () => {
    const key = new TextEncoder().encode('this is 32-byte key for xsalsa20')
    const nonce = new TextEncoder().encode('24-byte nonce for xsalsa')
    for (const impl of XSALSA20_AVAILABLE) {
      const out = new XSalsa20Stream(key, nonce, impl).update(new TextEncoder().encode('Hello world!'))
      assert.equal(Buffer.from(out).toString('hex'), '002d4513843fc240c401e541', impl)
    }
  })

  it('wasm-simd: many streams interleaved on the one kernel keep their own keystreams', () => {
    if (!XSALSA20_AVAILABLE.includes('wasm-simd')) return
    const streams = Array.from({ length: 6 }, () => {
      const key = randomBytes(32)
      const nonce = randomBytes(24)
      const data = randomBytes(400_000)
      return { data, want: Buffer.from(xsalsa20(key, nonce, data)), got: Buffer.alloc(data.byteLength), at: 0, s: new XSalsa20Stream(key, nonce, 'wasm-simd') }
    })
    while (streams.some(x => x.at < x.data.byteLength)) {
      for (const x of streams) {
        const n = Math.min(x.data.byteLength - x.at, Math.floor(Math.random() * 70_000))
        x.s.xorTo(x.data.subarray(x.at, x.at + n), x.got.subarray(x.at, x.at + n))
        x.at += n
      }
    }
    for (const x of streams) assert.ok(x.got.equals(x.want))
  })

  it('wasm-simd: the kernel memory is two fixed pages, whatever is coded', () => {
    if (!XSALSA20_AVAILABLE.includes('wasm-simd')) return
    assert.equal(xsalsa20WasmMemoryBytes(), 2 * 65536)
    const s = new XSalsa20Stream(randomBytes(32), randomBytes(24), 'wasm-simd')
    const big = new Uint8Array(16 * MIB + 3)
    s.xorTo(big, big)
    s.update(new Uint8Array(5 * MIB))
    assert.equal(xsalsa20WasmMemoryBytes(), 2 * 65536)
  })
})

/** Salsa20/20 keystream block `counter` (64-bit) for a 40-byte key+nonce, in plain JS. */
function salsa20Block (keyNonce: Uint8Array, counter: bigint): Uint8Array {
  const view = new DataView(keyNonce.buffer, keyNonce.byteOffset, 40)
  const k = (i: number): number => view.getUint32(4 * i, true)
  const input = [
    0x61707865, k(0), k(1), k(2), k(3), 0x3320646e, k(8), k(9),
    Number(counter & 0xffffffffn), Number(counter >> 32n), 0x79622d32, k(4), k(5), k(6), k(7), 0x6b206574
  ]
  const x = input.slice()
  const r = (v: number, c: number): number => (v << c) | (v >>> (32 - c))
  const q = (a: number, b: number, c: number, d: number): void => {
    x[b] ^= r((x[a] + x[d]) | 0, 7); x[c] ^= r((x[b] + x[a]) | 0, 9)
    x[d] ^= r((x[c] + x[b]) | 0, 13); x[a] ^= r((x[d] + x[c]) | 0, 18)
  }
  for (let i = 0; i < 10; i++) {
    q(0, 4, 8, 12); q(5, 9, 13, 1); q(10, 14, 2, 6); q(15, 3, 7, 11)
    q(0, 1, 2, 3); q(5, 6, 7, 4); q(10, 11, 8, 9); q(15, 12, 13, 14)
  }
  const out = new Uint8Array(64)
  const ov = new DataView(out.buffer)
  for (let i = 0; i < 16; i++) ov.setUint32(4 * i, (x[i] + input[i]) >>> 0, true)
  return out
}

describe('wasm-simd kernel', () => {
  const simd = Salsa20Simd.load()

  it('loads here (Node 22 has WebAssembly SIMD)', () => {
    assert.ok(simd != null)
  })

  it('HSalsa20 subkey and the reference block match noble', () => {
    const key = randomBytes(32)
    const nonce = randomBytes(24)
    const kn = xsalsa20KeyNonce(key, nonce)
    for (const counter of [0, 1, 5, 1000, 2 ** 31 + 7]) { // noble stops short of 2^32
      const want = xsalsa20(key, nonce, new Uint8Array(64), undefined, counter)
      assert.deepEqual(salsa20Block(kn, BigInt(counter)), want, `block ${counter}`)
    }
  })

  it('the block counter carries past 2^32 blocks (256 GiB), as libsodium and Go do', () => {
    assert.ok(simd != null)
    const kn = xsalsa20KeyNonce(randomBytes(32), randomBytes(24))
    for (const first of [2n ** 32n - 3n, 2n ** 32n - 1n, 2n ** 40n - 2n, 2n ** 46n - 5n]) {
      const blocks = 9
      const want = Buffer.concat(Array.from({ length: blocks }, (_, i) => salsa20Block(kn, first + BigInt(i))))
      for (const skip of [0, 1, 63]) {
        const out = new Uint8Array(blocks * 64 - skip)
        simd.xor(kn, Number(first) * 64 + skip, new Uint8Array(out.byteLength), out)
        assert.ok(Buffer.from(out).equals(want.subarray(skip)), `from block ${first} + ${skip} bytes`)
      }
    }
    // and libsodium's own salsa20 (its counter argument is 32-bit there, the carry its own)
    let sodium: any
    try { sodium = createRequire(import.meta.url)('sodium-native') } catch {}
    if (sodium?.crypto_stream_salsa20_xor_ic != null) {
      const out = new Uint8Array(6 * 64)
      sodium.crypto_stream_salsa20_xor_ic(out, new Uint8Array(out.byteLength), kn.subarray(32, 40), 0xfffffffe, kn.subarray(0, 32))
      const got = new Uint8Array(out.byteLength)
      simd.xor(kn, 0xfffffffe * 64, new Uint8Array(got.byteLength), got)
      assert.ok(Buffer.from(got).equals(Buffer.from(out)), 'libsodium')
    }
  })

  it('is not used where WebAssembly SIMD does not validate', () => {
    const wa = (globalThis as any).WebAssembly
    const validate = wa.validate
    wa.validate = () => false
    try {
      assert.equal(Salsa20Simd.load(), undefined)
    } finally {
      wa.validate = validate
    }
  })

  it('without WebAssembly, a process falls back to the other implementations', () => {
    const script = `const m = await import(${JSON.stringify(xsalsaModule)})
      const s = new m.XSalsa20Stream(new TextEncoder().encode('this is 32-byte key for xsalsa20'), new TextEncoder().encode('24-byte nonce for xsalsa'), 'wasm-simd')
      console.log(JSON.stringify({ available: m.XSALSA20_AVAILABLE, impl: m.XSALSA20_IMPLEMENTATION, used: s.implementation,
        out: Buffer.from(s.update(new TextEncoder().encode('Hello world!'))).toString('hex') }))`
    for (const env of [{ CLUSTER_PNET_XSALSA20: 'wasm-simd' }, { CLUSTER_PNET_JS: '1' }]) {
      const run = JSON.parse(execFileSync(process.execPath, ['--noexpose-wasm', '--input-type=module', '-e', script], {
        env: { ...process.env, CLUSTER_PNET_XSALSA20: undefined, CLUSTER_PNET_JS: undefined, ...env }, encoding: 'utf8'
      }))
      assert.ok(!(run.available as XSalsa20Implementation[]).includes('wasm-simd'), JSON.stringify(run))
      // a stream asking for wasm-simd gets the process default
      assert.equal(run.used, run.impl)
      assert.equal(run.impl, env.CLUSTER_PNET_JS === '1' ? 'noble-js' : run.available[0])
      assert.equal(run.out, '002d4513843fc240c401e541')
    }
  })

  it('salsa20.wat and salsa20-wasm.ts are what scripts/gen-xsalsa20-wasm.mjs writes', (t) => {
    try {
      createRequire(join(root, 'package.json')).resolve('wabt')
    } catch {
      t.skip('wabt (a devDependency) is not installed')
      return
    }
    execFileSync(process.execPath, [join(root, 'scripts', 'gen-xsalsa20-wasm.mjs'), '--check'], { cwd: root, encoding: 'utf8' })
  })
})
