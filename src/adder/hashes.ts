// Multihash functions by their go-multihash names, as `ipfs add --hash` and the cluster /add
// `hash` parameter spell them. Native node:crypto where it has the function (fast, streaming
// of whole blocks is all we need); @noble/hashes for the BLAKE2 family, whose variable digest
// lengths node:crypto cannot produce.
import { createHash } from 'node:crypto'
import { blake2b, blake2s } from '@noble/hashes/blake2.js'
import { create as createDigest } from 'multiformats/hashes/digest'
import type { MultihashDigest } from 'multiformats/hashes/interface'
import { InvalidArgumentError } from '../api/errors.js'

export interface Hasher {
  name: string
  code: number
  /** the digest of the bytes, given whole or as the pieces they arrived in */
  digest: (bytes: Uint8Array | Iterable<Uint8Array>) => MultihashDigest
}

/** An incremental hash over the bytes or each of their pieces. */
function incremental (hash: { update: (b: Uint8Array) => unknown, digest: () => Uint8Array }, bytes: Uint8Array | Iterable<Uint8Array>): Uint8Array {
  if (bytes instanceof Uint8Array) hash.update(bytes)
  else for (const piece of bytes) hash.update(piece)
  return hash.digest()
}

function nodeHasher (name: string, code: number, algo: string): Hasher {
  return {
    name,
    code,
    digest: (bytes) => createDigest(code, new Uint8Array(incremental(createHash(algo), bytes)))
  }
}

const table = new Map<string, Hasher>()

function register (h: Hasher): void {
  table.set(h.name, h)
}

register(nodeHasher('sha1', 0x11, 'sha1'))
register(nodeHasher('sha2-256', 0x12, 'sha256'))
register(nodeHasher('sha2-512', 0x13, 'sha512'))
register(nodeHasher('sha2-384', 0x20, 'sha384'))
register(nodeHasher('sha2-224', 0x1013, 'sha224'))
register(nodeHasher('sha3-224', 0x17, 'sha3-224'))
register(nodeHasher('sha3-256', 0x16, 'sha3-256'))
register(nodeHasher('sha3-384', 0x15, 'sha3-384'))
register(nodeHasher('sha3-512', 0x14, 'sha3-512'))
// go-multihash registers blake2b-8 … blake2b-512 (0xb201 … 0xb240) and blake2s-8 … blake2s-256
// (0xb241 … 0xb260): one code per 8 bits of digest length.
for (let bits = 8; bits <= 512; bits += 8) {
  const code = 0xb200 + bits / 8
  const dkLen = bits / 8
  register({ name: `blake2b-${bits}`, code, digest: (b) => createDigest(code, incremental(blake2b.create({ dkLen }), b)) })
}
for (let bits = 8; bits <= 256; bits += 8) {
  const code = 0xb240 + bits / 8
  const dkLen = bits / 8
  register({ name: `blake2s-${bits}`, code, digest: (b) => createDigest(code, incremental(blake2s.create({ dkLen }), b)) })
}

/** The hasher for a multihash name (case-insensitive); unknown names are the client's error. */
export function hasherByName (name: string): Hasher {
  const h = table.get(name.toLowerCase())
  if (h == null) throw new InvalidArgumentError(`hash function name not known: ${name}`)
  return h
}

/** The hasher for a multihash code, or undefined when it is not one we can verify. */
export function hasherByCode (code: number): Hasher | undefined {
  for (const h of table.values()) if (h.code === code) return h
  return undefined
}
