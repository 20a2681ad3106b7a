// Encoders for the UnixFS dag-pb nodes go-unixfs writes, field for field, so that their CIDs
// are kubo's: file leaves, file internal nodes (filesize + blocksizes), basic directories and
// symlinks. dag-pb `prepare` sorts links by name as go's merkledag does.
import { encode, prepare } from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import type { Uint8ArrayList } from 'uint8arraylist'
import { UnixFS } from 'ipfs-unixfs'
import { copyPiecesInto } from '../common/copy-into.js'

export interface FileLink {
  cid: CID
  /** cumulative size of the child DAG (link Tsize) */
  size: number
  /** bytes of file content below the child (blocksize entry) */
  fileSize: number
}

export interface NamedLink {
  name: string
  cid: CID
  size: number
}

/** UnixFS Data.DataType numbers (unixfs.proto) */
const UNIXFS_TYPE = { raw: 0, file: 2 } as const

function varintLength (n: number): number {
  let len = 1
  while (n >= 0x80) { n = Math.floor(n / 0x80); len++ }
  return len
}

function writeVarint (out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n % 0x80) | 0x80
    n = Math.floor(n / 0x80)
  }
  out[at++] = n
  return at
}

/**
 * A leaf that keeps its data inside a UnixFS node; type 'file' (balanced) or 'raw' (trickle).
 * Written straight into one buffer, the bytes @ipld/dag-pb and ipfs-unixfs would give (PBNode
 * field 1 = UnixFS Data {1: type, 2: data, 3: filesize}, no links): their way copies every
 * chunk twice more, once per message, and on a plain add those copies were a third of all the
 * memory the API peer allocated (each 64 MB of it costs a full garbage collection). The chunk's
 * pieces are copied in one after the other, into memory that is not zeroed first (every byte
 * of it is written).
 */
export function encodeLeaf (data: Uint8Array | Uint8ArrayList, type: 'file' | 'raw'): Uint8Array {
  const n = data.byteLength
  // an empty leaf has no data field: the libraries' encoding, which has no copy to save
  if (n === 0) return encode(prepare({ Data: new UnixFS({ type }).marshal(), Links: [] }))
  const inner = 2 + 1 + varintLength(n) + n + 1 + varintLength(n)
  const length = 1 + varintLength(inner) + inner
  // a buffer of its own (never a slice of node's shared pool), as a plain Uint8Array
  const out = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length)
  let at = 0
  out[at++] = 0x0a // PBNode.Data, length-delimited
  at = writeVarint(out, at, inner)
  out[at++] = 0x08 // Data.Type, varint
  out[at++] = UNIXFS_TYPE[type]
  out[at++] = 0x12 // Data.Data, length-delimited
  at = writeVarint(out, at, n)
  copyPiecesInto(out, data, at)
  at += n
  out[at++] = 0x18 // Data.filesize, varint
  writeVarint(out, at, n)
  return out
}

/** An internal file node: no data of its own, one blocksize per child. */
export function encodeFileNode (links: FileLink[]): Uint8Array {
  const fs = new UnixFS({ type: 'file' })
  for (const l of links) fs.addBlockSize(BigInt(l.fileSize))
  return encode(prepare({
    Data: fs.marshal(),
    Links: links.map(l => ({ Name: '', Tsize: l.size, Hash: l.cid }))
  }))
}

export function encodeDirectory (links: NamedLink[]): Uint8Array {
  const fs = new UnixFS({ type: 'directory' })
  return encode(prepare({
    Data: fs.marshal(),
    Links: links.map(l => ({ Name: l.name, Tsize: l.size, Hash: l.cid }))
  }))
}

export function encodeSymlink (target: Uint8Array): Uint8Array {
  const fs = new UnixFS({ type: 'symlink', data: target })
  return encode(prepare({ Data: fs.marshal() }))
}
