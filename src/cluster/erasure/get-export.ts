// A unixfs entry as ecget streams it: a file as its bytes, a directory as tar entries (its tree
// depth first, in link order). Shared by the erasure-coded read and the replicated one.
import { exporter } from 'ipfs-unixfs-exporter'
import type { UnixFSEntry } from 'ipfs-unixfs-exporter'
import { entryBytes } from '../../exporter/file-bytes.js'
import type { BlockReader } from '../../exporter/file-bytes.js'
import { tarStream } from './get-tar.js'
import type { TarEntry } from './get-tar.js'

function modeOf (entry: UnixFSEntry, dflt: number): number {
  return (entry.type === 'file' || entry.type === 'directory') && entry.unixfs.mode != null ? entry.unixfs.mode : dflt
}

function mtimeOf (entry: UnixFSEntry): number {
  const m = (entry.type === 'file' || entry.type === 'directory') ? entry.unixfs.mtime : undefined
  return m != null ? Number(m.secs) : 0
}

/** Blocks as the exporter resolves entries with, and as fileBytes reads a file's bytes with. */
export type Blocks = Parameters<typeof exporter>[1] & BlockReader

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
      yield { path, type: 'file', size: Number(entry.type === 'object' ? 0 : entry.size), mode: modeOf(entry, 0o644), mtime: mtimeOf(entry), content: entryBytes(entry, blocks, { signal }) }
    }
  }
}

/** What ecget streams for an entry: a file's bytes, or a directory's tar archive. */
export function exportBody (root: UnixFSEntry, blocks: Blocks, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  return root.type === 'directory' ? tarStream(walk(root, '', blocks, signal)) : entryBytes(root, blocks, { signal })
}
