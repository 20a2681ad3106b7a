// Noise's ChaCha20-Poly1305 on libsodium: the same bytes as noise's default for every message
// shape noise hands it (a buffer, a list, a list that straddled two reads), decryption in place
// into the `dst` noise passes, a forged tag refused with nothing written, and two hosts, one on
// each implementation, moving megabytes both ways through noise.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { ICryptoInterface } from '@libp2p/noise'
import { defaultCrypto } from '@libp2p/noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { sodiumNoiseCrypto } from '../../src/host/noise-crypto.js'
import { echo, echoHost } from '../harness/echo-host.js'

const skip = sodiumNoiseCrypto == null ? 'sodium-native did not load here' : false

function nonce (n: number): Uint8Array {
  const out = new Uint8Array(12)
  new DataView(out.buffer).setBigUint64(4, BigInt(n), true)
  return out
}

test('libsodium seals and opens the bytes noise\'s default does, a buffer or a list', { skip }, () => {
  const sodium = sodiumNoiseCrypto as ICryptoInterface
  const k = randomBytes(32)
  for (const [i, size] of [0, 1, 1199, 1200, 4096, 65519].entries()) {
    const plain = randomBytes(size)
    const ad = randomBytes(i % 2 === 0 ? 0 : 32)
    const expected = Buffer.from(defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce(i), ad, k).subarray())
    assert.ok(Buffer.from(sodium.chaCha20Poly1305Encrypt(plain, nonce(i), ad, k).subarray()).equals(expected), `seal ${size}`)
    const cut = Math.floor(size / 3)
    const list = new Uint8ArrayList(plain.subarray(0, cut), plain.subarray(cut))
    assert.ok(Buffer.from(sodium.chaCha20Poly1305Encrypt(list, nonce(i), ad, k).subarray()).equals(expected), `seal list ${size}`)
    assert.ok(Buffer.from(plain).equals(Buffer.from(list.subarray())), 'the plaintext is left as it was')
    const opened = sodium.chaCha20Poly1305Decrypt(new Uint8ArrayList(expected), nonce(i), ad, k)
    assert.ok(Buffer.from(opened.subarray()).equals(plain), `open ${size}`)
  }
})

test('libsodium opens in place into the dst noise passes, joined or not; a forged tag yields no plaintext', { skip }, () => {
  const sodium = sodiumNoiseCrypto as ICryptoInterface
  const k = randomBytes(32)
  const plain = randomBytes(65519)
  const sealed = Buffer.from(defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce(7), new Uint8Array(0), k).subarray())

  // the message in one socket read: dst is a view of its body
  const read = Buffer.concat([randomBytes(5), sealed, randomBytes(3)])
  const chunk = new Uint8ArrayList(read.subarray(5, 5 + sealed.length))
  const dst = chunk.subarray(0, plain.length)
  assert.equal(dst.buffer, read.buffer, 'noise\'s dst is the read itself')
  const out = sodium.chaCha20Poly1305Decrypt(chunk.sublist(), nonce(7), new Uint8Array(0), k, dst)
  assert.ok(Buffer.from(out.subarray()).equals(plain))
  assert.ok(read.subarray(5, 5 + plain.length).equals(plain), 'decrypted where it arrived')

  // the message straddling two reads: dst is its body joined by noise
  const straddled = new Uint8ArrayList(sealed.subarray(0, 40000), sealed.subarray(40000))
  const joined = straddled.subarray(0, plain.length)
  const out2 = sodium.chaCha20Poly1305Decrypt(straddled.sublist(), nonce(7), new Uint8Array(0), k, joined)
  assert.ok(Buffer.from(out2.subarray()).equals(plain))
  assert.ok(Buffer.from(joined).equals(plain), 'decrypted into the joined dst')

  const forged = Buffer.from(sealed)
  forged[forged.length - 1] ^= 1
  const view = forged.subarray(0, plain.length)
  assert.throws(() => sodium.chaCha20Poly1305Decrypt(new Uint8ArrayList(forged), nonce(7), new Uint8Array(0), k, view))
  assert.ok(!Buffer.from(view).equals(plain), 'no plaintext when the tag does not verify')
  assert.throws(() => sodium.chaCha20Poly1305Decrypt(new Uint8ArrayList(sealed), nonce(8), new Uint8Array(0), k), 'another nonce')
  assert.throws(() => sodium.chaCha20Poly1305Decrypt(new Uint8ArrayList(sealed.subarray(0, 15)), nonce(7), new Uint8Array(0), k), 'shorter than a tag')
})

test('a host on libsodium and one on noise\'s default move megabytes both ways', { skip }, async () => {
  const a = await echoHost({ crypto: sodiumNoiseCrypto })
  const b = await echoHost()
  try {
    const data = randomBytes(5 * 1024 * 1024 + 13)
    assert.ok((await echo(a, b, data, 100_000)).equals(data), 'libsodium -> default')
    assert.ok((await echo(b, a, data, 100_000)).equals(data), 'default -> libsodium')
  } finally {
    await Promise.all([a.stop(), b.stop()])
  }
})
