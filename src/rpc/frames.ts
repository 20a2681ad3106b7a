// Wire frames of the peer RPC: length-prefixed CBOR maps on one libp2p stream per call.
// CBOR keeps block bytes binary (no base64) and is fast to encode.
//   request   {s: service, m: method, a: argument}
//   item      {i: value}        (items of a streamed argument or result)
//   end       {z: true}         (end of a streamed argument or result)
//   result    {r: value}        (unary result)
//   error     {e: message, c: HTTP-ish status}
import { encode, decode, Tokenizer } from 'cborg'
import type { Uint8ArrayList } from 'uint8arraylist'

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

export function encodeFrame (f: Frame): Uint8Array {
  // undefined fields are not encodable: drop them
  const clean: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(f)) if (v !== undefined) clean[k] = stripUndefined(v)
  return encode(clean)
}

export function decodeFrame (bytes: Uint8ArrayList | Uint8Array): Frame {
  const buf = bytes instanceof Uint8Array ? bytes : bytes.subarray()
  // cborg cuts byte strings out with slice(): a copy of a Uint8Array but a view of a Buffer. Its
  // decode() turns a Buffer into a Uint8Array first; a tokenizer of our own keeps it a Buffer,
  // so a block in the frame stays where it arrived instead of being copied once more.
  const data = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  return decode(data, { tokenizer: new Tokenizer(data) }) as Frame
}

function stripUndefined (v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripUndefined)
  if (v != null && typeof v === 'object' && !(v instanceof Uint8Array)) {
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
