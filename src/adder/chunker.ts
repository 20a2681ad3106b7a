// Chunker specs as kubo/boxo parse them (chunker.FromString): "", "default", "size-<n>",
// "rabin", "rabin-<avg>", "rabin-<min>-<avg>-<max>" (labels "min:", "avg:", "max:" allowed).
// Errors carry boxo's messages and are the client's fault (400).
import { Uint8ArrayList } from 'uint8arraylist'
import { InvalidArgumentError } from '../api/errors.js'
import { rabinChunks } from './rabin.js'

export const DEFAULT_BLOCK_SIZE = 256 * 1024
/** boxo ChunkSizeLimit: 2 MiB bitswap block limit minus 256 bytes of framing budget */
export const CHUNK_SIZE_LIMIT = 2 * 1024 * 1024 - 256

/**
 * The bytes of one chunk: whole, or as the pieces of the content they were cut from (views of
 * them, never copied: a leaf encoder or the erasure stripe copies them once to where they go).
 */
export type Chunk = Uint8Array | Uint8ArrayList

export type Chunker = (content: AsyncIterable<Uint8Array>) => AsyncIterable<Chunk>

export type ChunkerSpec =
  | { kind: 'size', size: number }
  | { kind: 'rabin', min: number, avg: number, max: number }

function atoi (s: string): number {
  // Go's strconv.Atoi: optional sign, decimal digits only
  if (!/^[+-]?\d+$/.test(s)) throw new InvalidArgumentError(`strconv.Atoi: parsing "${s}": invalid syntax`)
  const n = Number(s)
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`strconv.Atoi: parsing "${s}": value out of range`)
  return n
}

function labelled (part: string, label: string, msg: string): number {
  const sub = part.split(':')
  if (sub.length > 1 && sub[0] !== label) throw new InvalidArgumentError(msg)
  return atoi(sub[sub.length - 1])
}

const ERR_SIZE_MAX = `chunker parameters may not exceed the maximum chunk size of ${CHUNK_SIZE_LIMIT}`

export function parseChunkerSpec (spec: string): ChunkerSpec {
  if (spec === '' || spec === 'default') return { kind: 'size', size: DEFAULT_BLOCK_SIZE }
  const name = spec.split('-')[0]
  if (name === 'size') {
    const parts = spec.split('-')
    if (parts.length !== 2) throw new InvalidArgumentError('incorrect chunker string format (expected size-{size})')
    const size = atoi(parts[1])
    if (size <= 0) throw new InvalidArgumentError('chunker size must be greater than 0')
    if (size > CHUNK_SIZE_LIMIT) throw new InvalidArgumentError(ERR_SIZE_MAX)
    return { kind: 'size', size }
  }
  if (name === 'rabin') {
    const parts = spec.split('-')
    if (parts.length === 1) return rabinFromAvg(DEFAULT_BLOCK_SIZE)
    if (parts.length === 2) {
      const avg = atoi(parts[1])
      if (Math.trunc(avg * 1.5) > CHUNK_SIZE_LIMIT) throw new InvalidArgumentError(ERR_SIZE_MAX)
      return rabinFromAvg(avg)
    }
    if (parts.length === 4) {
      const min = labelled(parts[1], 'min', 'first label must be min')
      if (min < 16) throw new InvalidArgumentError('rabin min must be greater than 16')
      const avg = labelled(parts[2], 'avg', 'second label must be avg')
      const max = labelled(parts[3], 'max', 'final label must be max')
      if (min >= avg) throw new InvalidArgumentError('incorrect format: rabin-min must be smaller than rabin-avg')
      if (avg >= max) throw new InvalidArgumentError('incorrect format: rabin-avg must be smaller than rabin-max')
      if (max > CHUNK_SIZE_LIMIT) throw new InvalidArgumentError(ERR_SIZE_MAX)
      return { kind: 'rabin', min, avg, max }
    }
    throw new InvalidArgumentError("incorrect format (expected 'rabin' 'rabin-[avg]' or 'rabin-[min]-[avg]-[max]'")
  }
  throw new InvalidArgumentError(`unrecognized chunker option: ${spec}`)
}

function rabinFromAvg (avg: number): ChunkerSpec {
  // boxo NewRabin: min = avg/3, max = avg + avg/2 (integer division)
  if (avg <= 0) throw new InvalidArgumentError('chunker size must be greater than 0')
  return { kind: 'rabin', min: Math.floor(avg / 3), avg, max: avg + Math.floor(avg / 2) }
}

/** Parses a spec into a function that cuts a byte stream into chunks. */
export function makeChunker (spec: string): Chunker {
  const s = parseChunkerSpec(spec)
  if (s.kind === 'size') return (content) => fixedSizeChunks(content, s.size)
  return (content) => rabinChunks(content, s.min, s.avg, s.max)
}

/**
 * Fixed-size chunks; the last may be shorter; empty input gives no chunk at all (go's size
 * splitter returns EOF at once, and the layouts then write an empty leaf). A chunk is the
 * content's pieces it spans, not a copy: an upload arrives in 64 KiB pieces, so joining them
 * into each 256 KiB chunk was a copy of every byte added into memory that is new each time, on
 * top of the one copy every leaf is made anyway (into its dag-pb node, its erasure stripe, or,
 * as a raw leaf of a plain add, the one block its destinations are sent).
 */
export async function * fixedSizeChunks (content: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Chunk> {
  const buf = new Uint8ArrayList()
  for await (const piece of content) {
    if (piece.byteLength === 0) continue
    buf.append(piece)
    while (buf.byteLength >= size) {
      yield buf.sublist(0, size)
      buf.consume(size)
    }
  }
  if (buf.byteLength > 0) yield buf.sublist()
}
