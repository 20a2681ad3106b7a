// Head announcements on the topic, encoded as upstream's protobuf
// `CRDTBroadcast { repeated Head heads = 1 }`, `Head { bytes cid = 1 }`. A bare CID (the legacy
// payload) is accepted too.
import { CID } from 'multiformats/cid'
import { varint } from 'multiformats'

function lengthDelimited (field: number, payload: Uint8Array): Uint8Array {
  const tag = (field << 3) | 2
  const out = new Uint8Array(varint.encodingLength(tag) + varint.encodingLength(payload.length) + payload.length)
  let off = 0
  varint.encodeTo(tag, out, off)
  off += varint.encodingLength(tag)
  varint.encodeTo(payload.length, out, off)
  off += varint.encodingLength(payload.length)
  out.set(payload, off)
  return out
}

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let off = 0
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}

export function encodeBroadcast (heads: string[]): Uint8Array {
  return concat(heads.map(h => lengthDelimited(1, lengthDelimited(1, CID.parse(h).bytes))))
}

/** Fields of a protobuf message: [field number, wire type, payload of length-delimited fields]. */
function * fields (buf: Uint8Array): Generator<[number, Uint8Array | undefined]> {
  let off = 0
  while (off < buf.length) {
    const [tag, n] = varint.decode(buf, off)
    off += n
    const wire = tag & 7
    if (wire === 2) {
      const [len, m] = varint.decode(buf, off)
      off += m
      if (off + len > buf.length) throw new Error('truncated field')
      yield [tag >>> 3, buf.subarray(off, off + len)]
      off += len
    } else if (wire === 0) {
      const [, m] = varint.decode(buf, off)
      off += m
      yield [tag >>> 3, undefined]
    } else if (wire === 1 || wire === 5) {
      off += wire === 1 ? 8 : 4
      yield [tag >>> 3, undefined]
    } else {
      throw new Error(`unsupported wire type ${wire}`)
    }
  }
}

/** The head CIDs of an announcement; throws on a payload that is neither form. */
export function decodeBroadcast (data: Uint8Array): string[] {
  try {
    const heads: string[] = []
    for (const [f, head] of fields(data)) {
      if (f !== 1 || head === undefined) continue
      for (const [g, cid] of fields(head)) {
        if (g === 1 && cid !== undefined) heads.push(CID.decode(cid).toString())
      }
    }
    return heads
  } catch (err) {
    try {
      return [CID.decode(data).toString()]
    } catch {
      throw err
    }
  }
}
