// Turns one file or symlink entry into its DAG (blocks go to the sink as they are made).
import { InvalidArgumentError } from '../api/errors.js'
import { putBlock, type BuiltNode } from './cid-builder.js'
import { ChunkReader } from './chunk-reader.js'
import { buildFile } from './file-builder.js'
import type { ImportContext } from './import-context.js'
import { encodeSymlink } from './unixfs-nodes.js'
import type { AddEntry } from './types.js'

/** upstream progressReaderIncrement */
export const PROGRESS_INCREMENT = 256 * 1024
/** a symlink target is a path; anything this long is not one and must not be buffered */
const MAX_SYMLINK_TARGET = 64 * 1024

async function * empty (): AsyncGenerator<Uint8Array> {}

async function * withProgress (content: AsyncIterable<Uint8Array>, name: string, ctx: ImportContext): AsyncGenerator<Uint8Array> {
  let bytes = 0
  let last = 0
  for await (const piece of content) {
    ctx.signal?.throwIfAborted()
    bytes += piece.byteLength
    if (ctx.onProgress != null && bytes - last >= PROGRESS_INCREMENT) {
      last = bytes
      ctx.onProgress(name, bytes)
    }
    yield piece
  }
  ctx.onProgress?.(name, bytes)
}

export async function importFileEntry (entry: AddEntry, name: string, ctx: ImportContext): Promise<BuiltNode> {
  const content = withProgress(entry.content ?? empty(), name, ctx)
  const reader = new ChunkReader(ctx.chunker(content), ctx.signal)
  const root = await buildFile(reader, {
    builder: ctx.builder,
    sink: ctx.sink,
    rawLeaves: ctx.rawLeaves,
    layout: ctx.layout,
    signal: ctx.signal
  })
  // The layout stops at the last chunk; drain so a trailing empty read cannot be left pending.
  if (!(await reader.done())) throw new Error('file import stopped before the end of its content')
  return { cid: root.cid, size: root.size }
}

export async function importSymlinkEntry (entry: AddEntry, ctx: ImportContext): Promise<BuiltNode> {
  const parts: Uint8Array[] = []
  let len = 0
  for await (const piece of entry.content ?? empty()) {
    len += piece.byteLength
    if (len > MAX_SYMLINK_TARGET) throw new InvalidArgumentError(`symlink target of ${entry.path} is too long`)
    parts.push(piece)
  }
  const bytes = encodeSymlink(Buffer.concat(parts))
  const cid = ctx.builder.pb(bytes)
  await putBlock(ctx.sink, cid, bytes, ctx.signal)
  return { cid, size: bytes.byteLength }
}
