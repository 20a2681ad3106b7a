// The in-memory directory tree of one add (what kubo keeps in MFS): children by name, files as
// already-written roots. Finishing it writes the directory nodes bottom-up and reports them in
// kubo's order: post-order, children in byte order of their names.
import { InvalidArgumentError } from '../api/errors.js'
import { putBlock, type BuiltNode, type CidBuilder } from './cid-builder.js'
import { encodeDirectory, type NamedLink } from './unixfs-nodes.js'
import { buildHamtDirectory } from './hamt.js'
import type { BlockSink } from './types.js'

/** boxo HAMTShardingSize: above this link-size estimate kubo switches to a HAMT directory */
export const HAMT_SHARDING_SIZE = 256 * 1024

export class DirNode {
  readonly children = new Map<string, DirNode | BuiltNode>()

  /** The directory at `parts`, created with its parents when missing (mfs.Mkdir -p). */
  mkdirp (parts: string[]): DirNode {
    let d: DirNode = this
    for (const p of parts) {
      const c = d.children.get(p)
      if (c == null) {
        const n = new DirNode()
        d.children.set(p, n)
        d = n
      } else if (c instanceof DirNode) {
        d = c
      } else {
        throw new InvalidArgumentError(`cannot create directory ${parts.join('/')}: a file has that name`)
      }
    }
    return d
  }

  /** mfs.PutNode: a name can only be taken once. */
  put (parts: string[], node: BuiltNode): void {
    const parent = this.mkdirp(parts.slice(0, -1))
    const name = parts[parts.length - 1]
    if (parent.children.has(name)) throw new InvalidArgumentError(`directory already has entry by that name: ${parts.join('/')}`)
    parent.children.set(name, node)
  }
}

export interface DirOutput {
  /** path of the directory inside the tree, '' for the tree's root */
  path: string
  node: BuiltNode
}

function byteOrder (a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/**
 * Writes the directory nodes of `dir` (subdirectories first) and yields each as it is written,
 * in the order kubo prints them; the last one yielded is `dir` itself.
 */
export async function * finishDirs (dir: DirNode, path: string, builder: CidBuilder, sink: BlockSink, signal?: AbortSignal): AsyncGenerator<DirOutput> {
  const names = [...dir.children.keys()].sort(byteOrder)
  const links: NamedLink[] = []
  let estimate = 0
  for (const name of names) {
    let child = dir.children.get(name)!
    if (child instanceof DirNode) {
      let last: BuiltNode | undefined
      for await (const out of finishDirs(child, path === '' ? name : `${path}/${name}`, builder, sink, signal)) {
        last = out.node
        yield out
      }
      child = last!
      // The subtree is written: keep only its root so memory shrinks as we go.
      dir.children.set(name, child)
    }
    estimate += Buffer.byteLength(name) + child.cid.bytes.byteLength
    links.push({ name, cid: child.cid, size: child.size })
  }
  if (estimate > HAMT_SHARDING_SIZE) {
    // boxo switches to a HAMT when the estimate is strictly above the threshold
    yield { path, node: await buildHamtDirectory(links, builder, sink, signal) }
    return
  }
  const bytes = encodeDirectory(links)
  const cid = builder.pb(bytes)
  await putBlock(sink, cid, bytes, signal)
  let size = bytes.byteLength
  for (const l of links) size += l.size
  yield { path, node: { cid, size } }
}
