// libsodium through sodium-native, an optional dependency with prebuilt binaries for the common
// platforms: where it loads, the private network's XSalsa20 (xsalsa20.ts) and noise's
// ChaCha20-Poly1305 (noise-crypto.ts) run in it; each has a fallback of its own where it does not
// (no build for the platform, or installed with --omit=optional).
import { createRequire } from 'node:module'

/** The part of sodium-native used here. */
export interface Sodium {
  crypto_stream_PRIMITIVE?: string
  crypto_stream_xor_STATEBYTES: number
  crypto_stream_xor_init: (state: Uint8Array, nonce: Uint8Array, key: Uint8Array) => void
  crypto_stream_xor_update: (state: Uint8Array, out: Uint8Array, data: Uint8Array) => void
  crypto_aead_chacha20poly1305_ietf_encrypt_detached: (c: Uint8Array, mac: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array) => number
  /** throws when the tag does not verify (and clears `m`: no unverified plaintext is left) */
  crypto_aead_chacha20poly1305_ietf_decrypt_detached: (m: Uint8Array, nsec: null, c: Uint8Array, mac: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array) => void
}

function load (): Sodium | undefined {
  try {
    return createRequire(import.meta.url)('sodium-native') as Sodium
  } catch {
    return undefined // not installed (optional) or no build for this platform
  }
}

/** sodium-native, undefined where it did not load. */
export const sodium: Sodium | undefined = load()
