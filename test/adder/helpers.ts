// Shared test helpers for the adder's import tests: an in-memory sink, entry builders and
// kubo's deterministic test data generator (test/cli/testutils DeterministicRandomReader:
// the ChaCha20 keystream under key sha256(seed) with an all-zero nonce).
import { createCipheriv, createHash } from 'node:crypto'
import type { CID } from 'multiformats/cid'
import type { Uint8ArrayList } from 'uint8arraylist'
import { wholeBytes } from '../../src/common/copy-into.js'
import { defaultAddParams, type AddParams } from '../../src/api/params.js'
import type { AddedOutput } from '../../src/api/types.js'
import type { AddEntry, BlockSink } from '../../src/adder/types.js'
import { importEntries } from '../../src/adder/importer.js'

export class MemorySink implements BlockSink {
  readonly blocks = new Map<string, Uint8Array>()
  puts = 0
  async put (cid: CID, bytes: Uint8Array | Uint8ArrayList): Promise<void> {
    this.puts++
    this.blocks.set(cid.toString(), wholeBytes(bytes))
  }
}

const enc = new TextEncoder()

async function * once (bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}

export function file (path: string, text: string | Uint8Array): AddEntry {
  return { path, type: 'file', content: once(typeof text === 'string' ? enc.encode(text) : text) }
}

export function fileStream (path: string, content: AsyncIterable<Uint8Array>): AddEntry {
  return { path, type: 'file', content }
}

export function dir (path: string): AddEntry {
  return { path, type: 'directory' }
}

export function symlink (path: string, target: string): AddEntry {
  return { path, type: 'symlink', content: once(enc.encode(target)) }
}

export async function * fromArray<T> (items: T[]): AsyncGenerator<T> {
  for (const i of items) yield i
}

export function params (over: Partial<AddParams> = {}): AddParams {
  return { ...defaultAddParams(), ...over }
}

export async function importAll (entries: AddEntry[], over: Partial<AddParams> = {}, sink = new MemorySink()): Promise<AddedOutput[]> {
  const out: AddedOutput[] = []
  for await (const o of importEntries(fromArray(entries), params(over), sink)) out.push(o)
  return out
}

/** The lines `ipfs add` prints for these outputs. */
export function lines (outs: AddedOutput[]): string[] {
  return outs.map(o => `added ${o.cid} ${o.name}`)
}

/** kubo's DeterministicRandomReaderBytes(size, seed), in 1 MiB pieces. */
export async function * deterministic (size: number, seed: string, piece = 1 << 20): AsyncGenerator<Uint8Array> {
  const key = createHash('sha256').update(seed).digest()
  // OpenSSL's chacha20 IV is the 32-bit block counter followed by the 96-bit nonce
  const c = createCipheriv('chacha20', key, Buffer.alloc(16))
  const zero = Buffer.alloc(piece)
  for (let left = size; left > 0; left -= piece) {
    yield c.update(zero.subarray(0, Math.min(piece, left)))
  }
}

export async function collectBytes (it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const p of it) parts.push(p)
  return Buffer.concat(parts)
}

/** kubo testutils.AlphabetEasy ("0" appears twice, as there) */
const ALPHABET_EASY = 'abcdefghijklmnopqrstuvwxyz01234567890-_'

/**
 * kubo test/cli createDeterministicFiles: file names read from DeterministicRandomReader("1MiB",
 * seed), nameLen bytes each (lastNameLen for the last), mapped onto AlphabetEasy; content "x".
 */
export async function deterministicNames (numFiles: number, nameLen: number, lastNameLen: number, seed: string): Promise<string[]> {
  const parts: Uint8Array[] = []
  for await (const p of deterministic(1 << 20, seed)) parts.push(p)
  const bytes = Buffer.concat(parts)
  const names: string[] = []
  let pos = 0
  for (let i = 0; i < numFiles; i++) {
    const len = i === numFiles - 1 ? lastNameLen : nameLen
    let name = ''
    for (const b of bytes.subarray(pos, pos + len)) name += ALPHABET_EASY[b % ALPHABET_EASY.length]
    pos += len
    names.push(name)
  }
  return names
}
