// Encoders for the UnixFS dag-pb nodes go-unixfs writes, field for field, so that their CIDs
// are kubo's: file leaves, file internal nodes (filesize + blocksizes), basic directories and
// symlinks. dag-pb `prepare` sorts links by name as go's merkledag does.
import { encode, prepare } from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import { UnixFS } from 'ipfs-unixfs'

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

/** A leaf that keeps its data inside a UnixFS node; type 'file' (balanced) or 'raw' (trickle). */
export function encodeLeaf (data: Uint8Array, type: 'file' | 'raw'): Uint8Array {
  const fs = new UnixFS({ type, data })
  return encode(prepare({ Data: fs.marshal(), Links: [] }))
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
