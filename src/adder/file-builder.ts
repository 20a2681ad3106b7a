// Builds one file's DAG from its chunks with go-unixfs's balanced or trickle layout, writing
// each block to the sink as soon as it exists. Only the open path of the tree is held (at most
// depth × 174 links), never the file's bytes.
import type { CID } from 'multiformats/cid'
import { putBlock, type BuiltNode, type CidBuilder } from './cid-builder.js'
import type { ChunkReader } from './chunk-reader.js'
import type { Chunk } from './chunker.js'
import { encodeFileNode, encodeLeaf, type FileLink } from './unixfs-nodes.js'
import type { BlockSink } from './types.js'

/** ihelper.DefaultLinksPerBlock: 174 links keep an internal node under 8 KiB */
export const DEFAULT_LINKS_PER_BLOCK = 174
/** trickle: each depth is repeated this many times */
const DEPTH_REPEAT = 4

export interface FileBuildOptions {
  builder: CidBuilder
  sink: BlockSink
  rawLeaves: boolean
  layout: 'balanced' | 'trickle'
  maxLinks?: number
  signal?: AbortSignal
}

export interface BuiltFile extends BuiltNode {
  fileSize: number
}

class FileDag {
  private readonly o: FileBuildOptions
  private readonly r: ChunkReader
  readonly maxLinks: number

  constructor (r: ChunkReader, o: FileBuildOptions) {
    this.r = r
    this.o = o
    this.maxLinks = o.maxLinks ?? DEFAULT_LINKS_PER_BLOCK
  }

  async done (): Promise<boolean> {
    return await this.r.done()
  }

  private async put (cid: CID, bytes: Chunk): Promise<void> {
    await putBlock(this.o.sink, cid, bytes, this.o.signal)
  }

  /**
   * go NewLeafNode: raw block with raw leaves (to the sink as the chunk came: whole or its
   * pieces), else a UnixFS node of the given type.
   */
  async leafOf (data: Chunk, type: 'file' | 'raw'): Promise<BuiltFile> {
    if (this.o.rawLeaves) {
      const cid = this.o.builder.raw(data)
      await this.put(cid, data)
      return { cid, size: data.byteLength, fileSize: data.byteLength }
    }
    const bytes = encodeLeaf(data, type)
    const cid = this.o.builder.pb(bytes)
    await this.put(cid, bytes)
    return { cid, size: bytes.byteLength, fileSize: data.byteLength }
  }

  /** go NewLeafDataNode: the next chunk as a leaf. */
  async leaf (type: 'file' | 'raw'): Promise<BuiltFile> {
    return await this.leafOf(await this.r.next(), type)
  }

  async commit (links: FileLink[]): Promise<BuiltFile> {
    const bytes = encodeFileNode(links)
    const cid = this.o.builder.pb(bytes)
    await this.put(cid, bytes)
    let size = bytes.byteLength
    let fileSize = 0
    for (const l of links) {
      size += l.size
      fileSize += l.fileSize
    }
    return { cid, size, fileSize }
  }
}

async function balanced (d: FileDag): Promise<BuiltFile> {
  if (await d.done()) return await d.leafOf(new Uint8Array(0), 'file')
  // The first root is a lone leaf; each time the tree is full it becomes the first child of
  // a root one level deeper (boxo balanced.layoutData).
  let root = await d.leaf('file')
  for (let depth = 1; !(await d.done()); depth++) {
    root = await fillBalanced(d, [root], depth)
  }
  return root
}

async function fillBalanced (d: FileDag, links: FileLink[], depth: number): Promise<BuiltFile> {
  while (links.length < d.maxLinks && !(await d.done())) {
    links.push(depth === 1 ? await d.leaf('file') : await fillBalanced(d, [], depth - 1))
  }
  return await d.commit(links)
}

/** boxo trickle.fillTrickleRec: a layer of leaves, then DEPTH_REPEAT subtrees per depth. */
async function fillTrickle (d: FileDag, maxDepth: number): Promise<BuiltFile> {
  const links: FileLink[] = []
  while (links.length < d.maxLinks && !(await d.done())) links.push(await d.leaf('raw'))
  for (let depth = 1; maxDepth === -1 || depth < maxDepth; depth++) {
    if (await d.done()) break
    for (let i = 0; i < DEPTH_REPEAT && !(await d.done()); i++) {
      links.push(await fillTrickle(d, depth))
    }
  }
  return await d.commit(links)
}

/** Imports one file's content (already cut into chunks) and returns its root. */
export async function buildFile (chunks: ChunkReader, opts: FileBuildOptions): Promise<BuiltFile> {
  const d = new FileDag(chunks, opts)
  return opts.layout === 'trickle' ? await fillTrickle(d, -1) : await balanced(d)
}
