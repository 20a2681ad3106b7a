// Noise's ChaCha20-Poly1305 in libsodium, where sodium-native loads: the same AEAD (RFC 8439,
// the bytes on the wire do not change), but it writes where it is told. Noise's default codes
// large messages with node:crypto, which returns every plaintext and ciphertext in a new buffer
// (and joins ciphertext and tag into another): per byte moved, one more allocation on each side
// than the connection needs, and every 64 MB of such buffers costs V8 a full collection.
// Here a message is decrypted in place (noise passes the ciphertext's own memory as `dst`) and
// encrypted straight into the one buffer that carries ciphertext and tag. Everything else
// (hashing, key agreement) is noise's default.
import { defaultCrypto } from '@libp2p/noise/crypto'
import type { ICryptoInterface } from '@libp2p/noise'
import { copyPiecesInto } from '../common/copy-into.js'
import { sodium } from './sodium.js'
import type { Sodium } from './sodium.js'

const TAG_BYTES = 16

function sodiumCrypto (s: Sodium): ICryptoInterface {
  return {
    ...defaultCrypto,
    chaCha20Poly1305Encrypt (plaintext, nonce, ad, k) {
      const length = plaintext.byteLength
      const out = Buffer.allocUnsafe(length + TAG_BYTES)
      const body = out.subarray(0, length)
      let message: Uint8Array
      if (plaintext instanceof Uint8Array) {
        message = plaintext
      } else {
        copyPiecesInto(body, plaintext, 0)
        message = body // encrypted in place
      }
      s.crypto_aead_chacha20poly1305_ietf_encrypt_detached(body, out.subarray(length), message, ad, null, nonce, k)
      return out
    },
    chaCha20Poly1305Decrypt (ciphertext, nonce, ad, k, dst) {
      const length = ciphertext.byteLength - TAG_BYTES
      if (length < 0) throw new Error('Invalid chacha20poly1305 decryption: shorter than its tag')
      // `dst` is the ciphertext's own memory (noise reuses it) or memory apart from it
      const out = dst != null && dst.byteLength >= length ? dst.subarray(0, length) : Buffer.allocUnsafe(length)
      let body: Uint8Array
      let tag: Uint8Array
      if (ciphertext instanceof Uint8Array) {
        body = ciphertext.subarray(0, length)
        tag = ciphertext.subarray(length)
      } else {
        // noise hands every message as a list, and `dst` as its body: a view of the one piece
        // it is in, or those pieces joined when the message straddled two socket reads
        copyPiecesInto(out, ciphertext.sublist(0, length), 0)
        body = out
        tag = ciphertext.subarray(length)
      }
      // libsodium checks the tag first: a forged message never yields plaintext (its bytes are
      // cleared, it throws, and noise closes the connection)
      s.crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, null, body, tag, ad, nonce, k)
      return out
    }
  }
}

/** Noise crypto on libsodium, undefined where sodium-native did not load. */
export const sodiumNoiseCrypto: ICryptoInterface | undefined = sodium != null ? sodiumCrypto(sodium) : undefined

/**
 * What the host's noise uses: libsodium where it loaded (unless CLUSTER_NOISE_CRYPTO=default),
 * else noise's default (node:crypto for large messages).
 */
export const noiseCrypto: ICryptoInterface =
  (process.env.CLUSTER_NOISE_CRYPTO !== 'default' ? sodiumNoiseCrypto : undefined) ?? defaultCrypto

export const NOISE_CRYPTO_IMPLEMENTATION: 'libsodium' | 'default' = noiseCrypto === sodiumNoiseCrypto ? 'libsodium' : 'default'
