// Wire frames of the peer RPC: length-prefixed CBOR maps on one libp2p stream per call.
// CBOR keeps block bytes binary (no base64) and is fast to encode.
//   request   {s: service, m: method, a: argument}
//   item      {i: value}        (items of a streamed argument or result)
//   end       {z: true}         (end of a streamed argument or result)
//   result    {r: value}        (unary result)
//   error     {e: message, c: HTTP-ish status}
import { encode, decode, Tokenizer } from 'cborg'
import { isUint8ArrayList } from 'uint8arraylist'
import type { Uint8ArrayList } from 'uint8arraylist'
import { cborHead } from '../common/cbor-head.js'
import { wholeBytes } from '../common/copy-into.js'

export const RPC_PROTOCOL_ID = '/ipfscluster-ec/1.0/rpc'
export const MAX_FRAME_BYTES = 16 * 1024 * 1024

export interface Frame {
  s?: string
  m?: string
  a?: unknown
  i?: unknown
  z?: boolean
  r?: unknown
  e?: string
  c?: number
}

/** byte strings at least this long are sent as they are, after the frame's head (no copy) */
const SPLICE_BYTES = 4096
const EMPTY = new Uint8Array(0)
/** CBOR's empty byte string: what a spliced byte string stands as while the head is encoded */
const CBOR_EMPTY_BYTES = 0x40

/**
 * The frame's CBOR in pieces that are sent one after the other. A block (an item or a result
 * that is bytes, or {cid, bytes}) ends its frame: its bytes become the last piece as they are
 * instead of being copied into the encoding, which saves a copy of every block moved.
 */
export function encodeFrame (f: Frame): Uint8Array[] {
  // undefined fields are not encodable: drop them
  const clean: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(f)) if (v !== undefined) clean[k] = stripUndefined(v)
  const spliced = splice(clean)
  if (spliced == null) return [encode(clean)]
  // the placeholder is the encoding's last byte (a map's keys are sorted shortest first, and
  // 'bytes' is longer than 'cid'): it becomes the real byte string's header
  const head = encode(spliced.head)
  if (head[head.byteLength - 1] !== CBOR_EMPTY_BYTES) return [encode(joined(clean))]
  return [head.subarray(0, head.byteLength - 1), bytesHeader(spliced.bytes.byteLength), ...(spliced.bytes instanceof Uint8Array ? [spliced.bytes] : spliced.bytes)]
}

type Bytes = Uint8Array | Uint8ArrayList

/** The frame with its block's bytes left out, and those bytes; undefined for other frames. */
function splice (clean: Record<string, unknown>): { head: Record<string, unknown>, bytes: Bytes } | undefined {
  const keys = Object.keys(clean)
  if (keys.length !== 1 || (keys[0] !== 'i' && keys[0] !== 'r')) return undefined
  const key = keys[0]
  const v = clean[key]
  // bytes in pieces (a block relayed as it arrived, see decodeItemFrame) are spliced whatever
  // their size: CBOR encodes a Uint8Array only
  if (isBytes(v)) return v.byteLength >= SPLICE_BYTES || isUint8ArrayList(v) ? { head: { [key]: EMPTY }, bytes: v } : undefined
  if (isBlock(v) && (v.bytes.byteLength >= SPLICE_BYTES || isUint8ArrayList(v.bytes))) return { head: { [key]: { cid: v.cid, bytes: EMPTY } }, bytes: v.bytes }
  return undefined
}

/** The frame with a block's bytes that are pieces joined, for CBOR to encode whole. */
function joined (clean: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(clean)) {
    out[k] = isUint8ArrayList(v) ? v.subarray() : isBlock(v) && isUint8ArrayList(v.bytes) ? { cid: v.cid, bytes: v.bytes.subarray() } : v
  }
  return out
}

function isBytes (v: unknown): v is Bytes {
  return v instanceof Uint8Array || isUint8ArrayList(v)
}

function isBlock (v: unknown): v is { cid: string, bytes: Bytes } {
  if (v == null || typeof v !== 'object') return false
  const o = v as Record<string, unknown>
  return Object.keys(o).length === 2 && typeof o.cid === 'string' && isBytes(o.bytes)
}

/** CBOR header of a byte string of n bytes (major type 2). */
function bytesHeader (n: number): Uint8Array {
  if (n < 24) return Uint8Array.of(0x40 | n)
  if (n < 0x100) return Uint8Array.of(0x58, n)
  if (n < 0x10000) return Uint8Array.of(0x59, n >> 8, n & 0xff)
  return Uint8Array.of(0x5a, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)
}

export function decodeFrame (bytes: Uint8ArrayList | Uint8Array): Frame {
  const buf = wholeBytes(bytes)
  // cborg cuts byte strings out with slice(): a copy of a Uint8Array but a view of a Buffer. Its
  // decode() turns a Buffer into a Uint8Array first; a tokenizer of our own keeps it a Buffer,
  // so a block in the frame stays where it arrived instead of being copied once more.
  const data = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  return decode(data, { tokenizer: new Tokenizer(data) }) as Frame
}

/**
 * An item frame of a block stream. A block as encodeFrame splices it ({i: {cid, bytes}}, its
 * bytes last) keeps its bytes in the pieces they arrived in (a Uint8ArrayList, views of the
 * connection's decrypted reads): the stream's bytes are hashed and written piece by piece, where
 * decodeFrame would first join every block into a new buffer. Any other frame is decoded whole.
 */
export function decodeItemFrame (frame: Uint8ArrayList | Uint8Array): Frame {
  if (frame instanceof Uint8Array) return decodeFrame(frame)
  return splicedBlockItem(frame) ?? decodeFrame(frame)
}

/**
 * An item frame of a stream of bytes (a shard read block by block): as decodeItemFrame, and an
 * item that is bytes ({i: bytes}) also keeps them in the pieces they arrived in, for a reader
 * that copies them to where they go anyway.
 */
export function decodeBytesItemFrame (frame: Uint8ArrayList | Uint8Array): Frame {
  if (frame instanceof Uint8Array) return decodeFrame(frame)
  return splicedBytesItem(frame) ?? splicedBlockItem(frame) ?? decodeFrame(frame)
}

/** CBOR of the start of an item: a map of one, "i" */
const ITEM_START = [0xa1, 0x61, 0x69]
/** CBOR of the start of a spliced block item: an item, a map of two, "cid" */
const BLOCK_ITEM_START = [...ITEM_START, 0xa2, 0x63, 0x63, 0x69, 0x64]
/** CBOR of the "bytes" key */
const BYTES_KEY = [0x65, 0x62, 0x79, 0x74, 0x65, 0x73]
/** bytes of a block item before its block: its start, a CID string and two headers fit */
const BLOCK_ITEM_HEAD = 256
const utf8 = new TextDecoder()

/** {i: {cid, bytes}} with `bytes` the frame's last bytes, or undefined when the frame is not one. */
function splicedBlockItem (frame: Uint8ArrayList): Frame | undefined {
  if (frame.byteLength < SPLICE_BYTES) return undefined
  const head = frame.subarray(0, Math.min(frame.byteLength, BLOCK_ITEM_HEAD))
  let at = 0
  const expect = (bytes: number[]): boolean => bytes.every(b => head[at++] === b)
  /** a CBOR length of the major type `major` at `at`, or -1 */
  const length = (major: number): number => {
    const h = cborHead(head, at)
    if (h === undefined || h.major !== major) return -1
    at = h.next
    return h.arg
  }
  if (!expect(BLOCK_ITEM_START)) return undefined
  const cidLength = length(3)
  if (cidLength < 0 || at + cidLength > head.byteLength) return undefined
  const cid = utf8.decode(head.subarray(at, at + cidLength))
  at += cidLength
  if (!expect(BYTES_KEY)) return undefined
  const bytesLength = length(2)
  if (bytesLength < 0 || at + bytesLength !== frame.byteLength) return undefined
  return { i: { cid, bytes: frame.sublist(at) } }
}

/** {i: bytes} with `bytes` the frame's last bytes, or undefined when the frame is not one. */
function splicedBytesItem (frame: Uint8ArrayList): Frame | undefined {
  if (frame.byteLength < SPLICE_BYTES) return undefined
  const head = frame.subarray(0, Math.min(frame.byteLength, 16))
  if (!ITEM_START.every((b, i) => head[i] === b)) return undefined
  const h = cborHead(head, ITEM_START.length)
  if (h === undefined || h.major !== 2 || h.next + h.arg !== frame.byteLength) return undefined
  return { i: frame.sublist(h.next) }
}

function stripUndefined (v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripUndefined)
  if (v != null && typeof v === 'object' && !isBytes(v)) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = stripUndefined(x)
    return out
  }
  return v
}

export class RpcError extends Error {
  readonly status: number
  constructor (message: string, status = 500) {
    super(message)
    this.name = 'RpcError'
    this.status = status
  }
}

export class RpcPermissionError extends RpcError {
  constructor (method: string) {
    super(`unauthorized: ${method} may not be called by this peer`, 403)
    this.name = 'RpcPermissionError'
  }
}
