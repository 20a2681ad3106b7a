// Multicodec and multihash names kubo's block/put takes (cid-codec, mhtype): the codes the
// cluster's importers and the erasure coder produce. An unknown code is an error, as upstream.
import { IpfsError } from '../errors.js'

const CODECS: Record<number, string> = {
  0x55: 'raw',
  0x70: 'dag-pb',
  0x71: 'dag-cbor',
  0x0129: 'dag-json',
  0x0200: 'json',
  0x51: 'cbor'
}

const HASHES: Record<number, string> = {
  0x00: 'identity',
  0x11: 'sha1',
  0x12: 'sha2-256',
  0x13: 'sha2-512',
  0x14: 'sha3-512',
  0x15: 'sha3-384',
  0x16: 'sha3-256',
  0x17: 'sha3-224',
  0x1a: 'keccak-224',
  0x1b: 'keccak-256',
  0x1c: 'keccak-384',
  0x1d: 'keccak-512',
  0x1e: 'blake3',
  0xb220: 'blake2b-256',
  0xb240: 'blake2b-512',
  0xb260: 'blake2s-256'
}

export function codecName (code: number): string {
  const n = CODECS[code]
  if (n == null) throw new IpfsError(`cannot find name for the blocks' CID codec: ${code.toString(16)}`)
  return n
}

export function hashName (code: number): string {
  const n = HASHES[code]
  if (n == null) throw new IpfsError(`cannot find name for the blocks' Multihash type: ${code.toString(16)}`)
  return n
}

export function codecCode (name: string): number | undefined {
  for (const [code, n] of Object.entries(CODECS)) if (n === name) return Number(code)
  return undefined
}

export function hashCode (name: string): number | undefined {
  for (const [code, n] of Object.entries(HASHES)) if (n === name) return Number(code)
  return undefined
}
