// The adder's unixfs import: AddEntry stream in, blocks to the sink, AddedOutput lines out in
// the order and with the names `ipfs add` prints them. The last output is the add's root.
//
// Naming follows upstream's adder (OutputPrefix): without wrap, every top-level entry is added
// on its own and its lines are prefixed with its name (a lone file is named by its file name);
// with wrap, all entries go into one directory whose own line has the empty name. Directory
// lines come after all file lines of their top-level entry, post-order, children sorted.
// Unlike upstream (which reuses one MFS root across top-level entries), each top-level entry
// gets a fresh tree, as kubo does, so several directories added together stay separate.
import { posix } from 'node:path'
import type { AddedOutput } from '../api/types.js'
import type { AddParams } from '../api/params.js'
import { InvalidArgumentError } from '../api/errors.js'
import type { BuiltNode } from './cid-builder.js'
import { DirNode, finishDirs } from './dir-tree.js'
import { importFileEntry, importSymlinkEntry } from './entry-import.js'
import { importContext, type ImportContext, type ImportOptions } from './import-context.js'
import { importCar } from './car-import.js'
import type { AddEntry, BlockSink } from './types.js'

export type { ImportOptions } from './import-context.js'
export { importCar } from './car-import.js'

/** Path components of an entry, cleaned like go's path.Clean("/" + p). */
export function pathParts (path: string): string[] {
  const clean = posix.normalize('/' + path)
  return clean.split('/').filter(p => p !== '' && p !== '.')
}

function output (name: string, node: BuiltNode): AddedOutput {
  // size is omitted when 0, like upstream's `json:"size,omitempty"`
  const out: AddedOutput = { name, cid: node.cid.toString() }
  if (node.size > 0) out.size = node.size
  return out
}

function joinName (prefix: string, rel: string): string {
  if (prefix === '') return rel
  return rel === '' ? prefix : `${prefix}/${rel}`
}

/** One top-level entry (or the wrap directory) being added. */
interface Group {
  /** name of the top-level entry; '' for the wrap directory */
  prefix: string
  tree: DirNode
}

async function * addToTree (g: Group, rel: string[], entry: AddEntry, ctx: ImportContext): AsyncGenerator<AddedOutput> {
  if (entry.type === 'directory') {
    g.tree.mkdirp(rel)
    return
  }
  const name = joinName(g.prefix, rel.join('/'))
  const node = entry.type === 'symlink'
    ? await importSymlinkEntry(entry, ctx)
    : await importFileEntry(entry, name, ctx)
  g.tree.put(rel, node)
  yield output(name, node)
}

async function * finishGroup (g: Group, ctx: ImportContext): AsyncGenerator<AddedOutput> {
  for await (const d of finishDirs(g.tree, '', ctx.builder, ctx.sink, ctx.signal)) {
    yield output(joinName(g.prefix, d.path), d.node)
  }
}

async function * importUnixfs (entries: AsyncIterable<AddEntry>, params: AddParams, ctx: ImportContext): AsyncGenerator<AddedOutput> {
  let group: Group | undefined = params.wrap ? { prefix: '', tree: new DirNode() } : undefined
  let any = false
  for await (const entry of entries) {
    ctx.signal?.throwIfAborted()
    const parts = pathParts(entry.path)
    if (parts.length === 0) throw new InvalidArgumentError('an added entry has an empty name')
    any = true
    if (params.wrap) {
      yield * addToTree(group!, parts, entry, ctx)
      continue
    }
    const top = parts[0]
    if (group != null && group.prefix === top && parts.length > 1) {
      yield * addToTree(group, parts.slice(1), entry, ctx)
      continue
    }
    if (group != null) {
      yield * finishGroup(group, ctx)
      group = undefined
    }
    if (parts.length === 1 && entry.type !== 'directory') {
      // A lone top-level file or symlink: its own line is the root, named by the entry.
      const node = entry.type === 'symlink'
        ? await importSymlinkEntry(entry, ctx)
        : await importFileEntry(entry, top, ctx)
      yield output(top, node)
      continue
    }
    // A top-level directory, given explicitly or implied by a deeper path.
    group = { prefix: top, tree: new DirNode() }
    if (parts.length > 1) yield * addToTree(group, parts.slice(1), entry, ctx)
  }
  if (group != null && (any || params.wrap)) yield * finishGroup(group, ctx)
}

/**
 * Imports the entries of an /add request and yields one AddedOutput per file, directory and
 * root, as kubo's `ipfs add` reports them (size = cumulative DAG size). With
 * params.format === 'car' the single entry must be a CAR file (see importCar).
 */
export function importEntries (
  entries: AsyncIterable<AddEntry>,
  params: AddParams,
  sink: BlockSink,
  opts: ImportOptions = {}
): AsyncIterable<AddedOutput> {
  if (params.format === 'car') {
    if (params.wrap) throw new InvalidArgumentError('cannot wrap a CAR file upload')
    return importCar(entries, params, sink, opts)
  }
  // Resolve options now: a bad chunker or hash is reported before the body is touched.
  const ctx = importContext(params, sink, opts)
  return importUnixfs(entries, params, ctx)
}
