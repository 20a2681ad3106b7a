// A unixfs file's bytes in file order, straight from its blocks: the read side of src/adder,
// for `ipfs cat`/`get` through the proxy and for ecget. ipfs-unixfs-exporter's content() walks
// the DAG as fast as blocks come and queues every leaf without waiting for its reader: a 512 MiB
// cat to a client slower than the disk held 230-300 MB of it. Here a block is asked for only
// when the reader has taken the one before it, or at most `prefetch` blocks before that.
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { UnixFSEntry } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { readInOrder } from '../common/read-in-order.js'

/** Whole blocks by CID, each checked against its CID by the reader. */
export interface BlockReader {
  block: (cid: CID, signal?: AbortSignal) => Promise<Uint8Array>
  /**
   * How many blocks fileBytes may ask for before its consumer is done with the last one handed
   * out (0 when absent). 0 for a reader whose bytes are valid only until its next call, as a
   * stripe reader's views of its reused stripe buffers are.
   */
  readonly prefetch?: number
}

export interface FileBytesOptions {
  signal?: AbortSignal
  /** first byte of the file to return */
  offset?: number
  /** bytes to return from `offset` (to the end when absent) */
  length?: number
}

/** A file's DAG is not what a unixfs file is: wrong codec or node type, sizes that disagree. */
export class FileDagError extends Error {
  override name = 'FileDagError'
}

/** The bytes of the unixfs file (dag-pb) or raw block at `cid`, in order, within offset/length. */
export async function * fileBytes (cid: CID, blocks: BlockReader, opts: FileBytesOptions = {}): AsyncGenerator<Uint8Array> {
  const { signal } = opts
  const start = Math.max(0, opts.offset ?? 0)
  const end = opts.length != null ? start + Math.max(0, opts.length) : Infinity
  if (end <= start) return
  const prefetch = Math.max(0, blocks.prefetch ?? 0)

  /** The part of bytes at file position `pos` that lies within [start, end). */
  function * inRange (bytes: Uint8Array, pos: number): Generator<Uint8Array> {
    const from = Math.max(0, start - pos)
    const to = Math.min(bytes.byteLength, end - pos)
    if (to > from) yield bytes.subarray(from, to)
  }

  /** Yields what of the node at `pos` is in range; returns the bytes the whole node spans. */
  async function * walk (cid: CID, bytes: Uint8Array, pos: number): AsyncGenerator<Uint8Array, number> {
    if (cid.code === raw.code) {
      yield * inRange(bytes, pos)
      return bytes.byteLength
    }
    if (cid.code !== dagPb.code) throw new FileDagError(`${cid.toString()}: a file node must be dag-pb or raw (codec 0x${cid.code.toString(16)})`)
    const node = dagPb.decode(bytes)
    const data = node.Data == null ? undefined : UnixFS.unmarshal(node.Data)
    if (data == null || (data.type !== 'file' && data.type !== 'raw')) throw new FileDagError(`${cid.toString()} is not a unixfs file node`)
    if (node.Links.length !== data.blockSizes.length) throw new FileDagError(`${cid.toString()}: ${node.Links.length} links but ${data.blockSizes.length} block sizes`)
    const own = data.data?.byteLength ?? 0
    if (own > 0) yield * inRange(data.data as Uint8Array, pos)
    const children: Array<{ cid: CID, pos: number, size: number }> = []
    let at = pos + own
    for (let i = 0; i < node.Links.length; i++) {
      const size = Number(data.blockSizes[i])
      if (at + size > start && at < end) children.push({ cid: node.Links[i].Hash, pos: at, size })
      at += size
    }
    let i = 0
    for await (const bytes of readInOrder(children, async child => await blocks.block(child.cid, signal), prefetch)) {
      signal?.throwIfAborted()
      const child = children[i++]
      const spans = yield * walk(child.cid, bytes, child.pos)
      if (spans !== child.size) throw new FileDagError(`${child.cid.toString()}: ${cid.toString()} says it holds ${child.size} bytes of the file, it holds ${spans}`)
    }
    return at - pos
  }

  signal?.throwIfAborted()
  yield * walk(cid, await blocks.block(cid, signal), 0)
}

/**
 * An exported entry's bytes: a file's or a raw block's through fileBytes; what the entry itself
 * holds (an identity CID's bytes, a symlink's target) from the exporter.
 */
export async function * entryBytes (entry: UnixFSEntry, blocks: BlockReader, opts: FileBytesOptions = {}): AsyncGenerator<Uint8Array> {
  if (entry.type === 'directory' || entry.type === 'object') throw new FileDagError(`${entry.path} is not a file`)
  if (entry.type === 'raw' || (entry.type === 'file' && entry.unixfs.type !== 'symlink')) {
    yield * fileBytes(entry.cid, blocks, opts)
    return
  }
  yield * entry.content({ signal: opts.signal, offset: opts.offset, length: opts.length })
}
