// A unixfs entry as ecget streams it: a file as its bytes, a directory as tar entries (its tree
// depth first, in link order). Shared by the erasure-coded read and the replicated one.
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { exporter } from 'ipfs-unixfs-exporter'
import type { UnixFSEntry } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { tarStream } from './get-tar.js'
import type { TarEntry } from './get-tar.js'

/**
 * Whole blocks by CID, as a stripe reader hands them out. The bytes are valid until the next
 * call: a leaf is a view of its stripe's buffer, which a later stripe reuses. fileBytes asks
 * for the next block only once its consumer is done with the last one.
 */
export interface BlockReader {
  block: (cid: CID, signal?: AbortSignal) => Promise<Uint8Array>
}

function isBlockReader (blocks: unknown): blocks is BlockReader {
  return typeof (blocks as Partial<BlockReader>)?.block === 'function'
}

export async function * contentOf (entry: UnixFSEntry, blocks: Blocks, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  if (entry.type === 'directory' || entry.type === 'object') throw new Error(`${entry.path} is not a file`)
  if (isBlockReader(blocks) && (entry.type === 'raw' || (entry.type === 'file' && entry.unixfs.type !== 'symlink'))) {
    yield * fileBytes(entry.cid, blocks, signal)
    return
  }
  // one block at a time: leaves are requested in file order, so the source holds the current
  // stripe and the one it reads ahead
  yield * entry.content({ signal, blockReadConcurrency: 1 })
}

/**
 * A file's bytes straight from its blocks: the leaves as the reader hands them out, in DAG
 * order, each node's own data before its children's. The exporter's walk joins every block it
 * reads into a copy of its own (it-to-buffer) and queues each leaf: a quarter of what the API
 * peer spent on an ecget. The blocks are checked against their CIDs by the reader.
 */
async function * fileBytes (cid: CID, blocks: BlockReader, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const bytes = await blocks.block(cid, signal)
  if (cid.code === raw.code) {
    if (bytes.byteLength > 0) yield bytes
    return
  }
  if (cid.code !== dagPb.code) throw new Error(`${cid.toString()}: a file node must be dag-pb or raw (codec 0x${cid.code.toString(16)})`)
  const node = dagPb.decode(bytes)
  const data = node.Data == null ? undefined : UnixFS.unmarshal(node.Data)
  if (data == null || (data.type !== 'file' && data.type !== 'raw')) throw new Error(`${cid.toString()} is not a unixfs file node`)
  if (data.data != null && data.data.byteLength > 0) yield data.data
  for (const link of node.Links) {
    signal?.throwIfAborted()
    yield * fileBytes(link.Hash, blocks, signal)
  }
}

function modeOf (entry: UnixFSEntry, dflt: number): number {
  return (entry.type === 'file' || entry.type === 'directory') && entry.unixfs.mode != null ? entry.unixfs.mode : dflt
}

function mtimeOf (entry: UnixFSEntry): number {
  const m = (entry.type === 'file' || entry.type === 'directory') ? entry.unixfs.mtime : undefined
  return m != null ? Number(m.secs) : 0
}

export type Blocks = Parameters<typeof exporter>[1]

/** The directory's entries depth first, in the directory's link order, as tar entries. */
export async function * walk (dir: UnixFSEntry, prefix: string, blocks: Blocks, signal?: AbortSignal): AsyncGenerator<TarEntry> {
  if (dir.type !== 'directory') return
  for await (const link of dir.entries({ signal })) {
    const entry = await exporter(link.cid, blocks, { signal })
    const path = prefix + link.name
    if (entry.type === 'directory') {
      yield { path, type: 'directory', size: 0, mode: modeOf(entry, 0o755), mtime: mtimeOf(entry) }
      yield * walk(entry, `${path}/`, blocks, signal)
    } else if (entry.type === 'file' && entry.unixfs.type === 'symlink') {
      yield { path, type: 'symlink', size: 0, mode: modeOf(entry, 0o777), mtime: mtimeOf(entry), linkname: new TextDecoder().decode(entry.unixfs.data ?? new Uint8Array()) }
    } else {
      yield { path, type: 'file', size: Number(entry.type === 'object' ? 0 : entry.size), mode: modeOf(entry, 0o644), mtime: mtimeOf(entry), content: contentOf(entry, blocks, signal) }
    }
  }
}

/** What ecget streams for an entry: a file's bytes, or a directory's tar archive. */
export function exportBody (root: UnixFSEntry, blocks: Blocks, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  return root.type === 'directory' ? tarStream(walk(root, '', blocks, signal)) : contentOf(root, blocks, signal)
}
