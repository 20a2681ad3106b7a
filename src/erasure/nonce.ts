// The per-add nonce. Every add writes a fresh random nonce into its manifest root, its shard
// nodes and its tree node, so two files (or two adds of one file) never share a shard node CID:
// a shard pin then belongs to exactly one file, and unpinning one file can never remove a shard
// another file still needs (the Go fork's §8.1.11 flaw). Data and parity *blocks* stay shared
// by content address; only the pinned nodes differ.
import { randomBytes } from 'node:crypto'
import { ManifestError } from './errors.js'

export const NONCE_BYTES = 16

export function newNonce (): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES))
}

/** The nonce field of a decoded node, or ManifestError. */
export function parseNonce (v: unknown, where: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.byteLength !== NONCE_BYTES) {
    throw new ManifestError(`${where}: nonce must be ${NONCE_BYTES} bytes`)
  }
  return v
}

/** Throws ErasureParams-style errors for a nonce given by a caller (writers). */
export function checkNonce (v: Uint8Array, where: string): void {
  parseNonce(v, where)
}
