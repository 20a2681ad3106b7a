// The body of POST /pins and POST /pins/{requestid}: a Pin object {cid, name?, origins?, meta?}
// decoded as upstream's json.Decoder into pinsvc.Pin. Every problem is a 400 "error decoding
// request body: …".
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError, errorMessage } from '../api/errors.js'
import { decodeCid } from '../api/cid.js'
import { MAX_NAME_BYTES } from './types.js'

export interface PinRequest {
  cid: string
  name: string
  origins: string[]
  meta: Record<string, string>
}

export class BadBodyError extends InvalidArgumentError {
  constructor (detail: string) {
    super(`error decoding request body: ${detail}`)
    this.name = 'BadBodyError'
  }
}

export function parsePinRequest (text: string): PinRequest {
  // an empty body is io.EOF for upstream's decoder
  if (text.trim() === '') throw new BadBodyError('EOF')
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    throw new BadBodyError(errorMessage(err))
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BadBodyError('the body must be a Pin object')
  const o = v as Record<string, unknown>
  // upstream answers nothing at all to a pin without a CID; a 400 tells the client why
  if (o.cid == null || o.cid === '') throw new BadBodyError('cid is required')
  return { cid: cidOf(o.cid), name: nameOf(o.name), origins: originsOf(o.origins), meta: metaOf(o.meta) }
}

/** A CID string, or the IPLD link form {"/": "<cid>"}. */
function cidOf (v: unknown): string {
  const text = typeof v === 'string' ? v : (v != null && typeof v === 'object' && typeof (v as Record<string, unknown>)['/'] === 'string') ? (v as Record<string, string>)['/'] : undefined
  if (text === undefined) throw new BadBodyError('cid must be a string')
  try {
    return decodeCid(text).toString()
  } catch (err) {
    throw new BadBodyError(errorMessage(err))
  }
}

function nameOf (v: unknown): string {
  if (v == null) return ''
  if (typeof v !== 'string') throw new BadBodyError('name must be a string')
  if (Buffer.byteLength(v) > MAX_NAME_BYTES) throw new BadBodyError('pin name is over 255 chars')
  return v
}

function originsOf (v: unknown): string[] {
  if (v == null) return []
  if (!Array.isArray(v)) throw new BadBodyError('origins must be a list of multiaddrs')
  return v.map(a => {
    if (typeof a !== 'string') throw new BadBodyError('origins must be a list of multiaddrs')
    try {
      return multiaddr(a).toString()
    } catch (err) {
      throw new BadBodyError(`invalid origin ${a}: ${errorMessage(err)}`)
    }
  })
}

function metaOf (v: unknown): Record<string, string> {
  if (v == null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw new BadBodyError('meta must be an object of strings')
  const out: Record<string, string> = {}
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw new BadBodyError('meta must be an object of strings')
    out[k] = x
  }
  return out
}
