// ls, get (tar) and files/stat of /ipfs/ paths, served by the embedded node in kubo's shapes.
// Blocks come through the connector's blockGet, so content held by other peers is fetched.
import { createGzip, constants as zlibConstants } from 'node:zlib'
import { Readable } from 'node:stream'
import { exporter } from 'ipfs-unixfs-exporter'
import type { UnixFSEntry } from 'ipfs-unixfs-exporter'
import * as dagPb from '@ipld/dag-pb'
import type { ProxyCall } from '../context.js'
import { requireArg } from '../context.js'
import { KuboRpcError, clientError } from '../errors.js'
import { pathOrCidPath } from '../paths.js'
import { sendJson, streamBytes, streamJson } from '../respond.js'
import { connectorBlockstore } from '../block-reader.js'
import { entryBytes } from '../../exporter/file-bytes.js'
import { tarStream } from '../../cluster/erasure/get-tar.js'
import type { TarEntry } from '../../cluster/erasure/get-tar.js'

/** kubo's unixfs_pb.Data types as `ls` reports them */
const TYPE = { raw: 0, directory: 1, file: 2, metadata: 3, symlink: 4, hamtShard: 5 } as const

/** An /ipfs/ or /ipld/ path (a bare CID too) to its UnixFS entry; IPNS is not available. */
async function entryAt (call: ProxyCall, arg: string): Promise<UnixFSEntry> {
  const path = pathOrCidPath(arg)
  if (path.startsWith('/ipns/')) throw new KuboRpcError(`could not resolve name "${arg}": IPNS is not available on the embedded IPFS node`)
  const store = connectorBlockstore(call.deps.ipfs, call.signal)
  return await exporter(path.slice('/ipfs/'.length), store, { signal: call.signal })
}

function boolOpt (q: URLSearchParams, name: string, def: boolean, short?: string): boolean {
  const v = q.get(name) ?? (short != null ? q.get(short) : null)
  if (v == null || v === '') return def
  if (v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  throw clientError(`invalid value for option "${name}": ${v}`)
}

interface LsLink { Name: string, Hash: string, Size: number, Type: number, Target: string }

function kindOf (e: UnixFSEntry): { type: number, size: number, target: string } {
  if (e.type === 'directory') return { type: e.unixfs.type === 'hamt-sharded-directory' ? TYPE.hamtShard : TYPE.directory, size: 0, target: '' }
  if (e.type === 'file' && e.unixfs.type === 'symlink') {
    return { type: TYPE.symlink, size: 0, target: new TextDecoder().decode(e.unixfs.data ?? new Uint8Array()) }
  }
  return { type: TYPE.file, size: Number(e.size), target: '' }
}

/** The links `ls` shows for one argument: a directory's entries, or a file's chunks. */
async function * lsLinks (call: ProxyCall, entry: UnixFSEntry, resolveType: boolean): AsyncGenerator<LsLink> {
  if (entry.type === 'directory') {
    const store = connectorBlockstore(call.deps.ipfs, call.signal)
    for await (const child of entry.entries({ signal: call.signal })) {
      if (!resolveType) {
        yield { Name: child.name, Hash: child.cid.toString(), Size: Number(child.size), Type: TYPE.raw, Target: '' }
        continue
      }
      const k = kindOf(await exporter(child.cid, store, { signal: call.signal }))
      yield { Name: child.name, Hash: child.cid.toString(), Size: k.size, Type: k.type, Target: k.target }
    }
    return
  }
  if (entry.type === 'file') {
    for (const l of entry.node.Links) {
      yield { Name: l.Name ?? '', Hash: l.Hash.toString(), Size: l.Tsize ?? 0, Type: TYPE.file, Target: '' }
    }
  }
}

/** ls <path>...: `{"Objects":[{"Hash":"<arg>","Links":[...]}]}`, one line per link with stream=true. */
export async function ls (call: ProxyCall): Promise<void> {
  const args = call.query.getAll('arg')
  if (args.length === 0) throw clientError('argument "ipfs-path" is required')
  const stream = boolOpt(call.query, 'stream', false, 's')
  const resolveType = boolOpt(call.query, 'resolve-type', true)
  const entries = []
  for (const a of args) entries.push({ arg: a, entry: await entryAt(call, a) })
  if (stream) {
    await streamJson(call.res, (async function * () {
      for (const { arg, entry } of entries) {
        let any = false
        for await (const link of lsLinks(call, entry, resolveType)) {
          any = true
          yield { Objects: [{ Hash: arg, Links: [link] }] }
        }
        if (!any) yield { Objects: [{ Hash: arg, Links: [] }] }
      }
    })())
    return
  }
  const objects = []
  for (const { arg, entry } of entries) {
    const links: LsLink[] = []
    for await (const link of lsLinks(call, entry, resolveType)) links.push(link)
    objects.push({ Hash: arg, Links: links })
  }
  sendJson(call.res, { Objects: objects })
}

/** The tar entries of a UnixFS tree, depth-first, paths under `name`, as kubo's get writes them. */
async function * tarEntries (call: ProxyCall, entry: UnixFSEntry, name: string): AsyncGenerator<TarEntry> {
  const now = Math.floor(Date.now() / 1000)
  const mtimeOf = (e: UnixFSEntry): number => (e.type === 'file' || e.type === 'directory') && e.unixfs.mtime != null ? Number(e.unixfs.mtime.secs) : now
  if (entry.type === 'directory') {
    yield { path: name, type: 'directory', size: 0, mode: entry.unixfs.mode ?? 0o755, mtime: mtimeOf(entry) }
    const store = connectorBlockstore(call.deps.ipfs, call.signal)
    for await (const child of entry.entries({ signal: call.signal })) {
      yield * tarEntries(call, await exporter(child.cid, store, { signal: call.signal }), `${name}/${child.name}`)
    }
    return
  }
  if (entry.type === 'file' && entry.unixfs.type === 'symlink') {
    yield { path: name, type: 'symlink', size: 0, mode: 0o777, mtime: mtimeOf(entry), linkname: new TextDecoder().decode(entry.unixfs.data ?? new Uint8Array()) }
    return
  }
  if (entry.type === 'file' || entry.type === 'raw' || entry.type === 'identity') {
    const mode = entry.type === 'file' ? (entry.unixfs.mode ?? 0o644) : 0o644
    const content = entryBytes(entry, connectorBlockstore(call.deps.ipfs, call.signal), { signal: call.signal })
    yield { path: name, type: 'file', size: Number(entry.size), mode, mtime: mtimeOf(entry), content }
    return
  }
  throw new KuboRpcError(`cannot get ${entry.cid.toString()}: not a UnixFS node`)
}

/**
 * get <path>: a tar of the file or directory, named after the last path segment (the CID for a
 * bare CID); compress=true gzips it, and with archive=false a single file is sent gzipped as is.
 */
export async function get (call: ProxyCall): Promise<void> {
  const arg = requireArg(call, 'ipfs-path')
  const archive = boolOpt(call.query, 'archive', false, 'a')
  const compress = boolOpt(call.query, 'compress', false, 'C')
  const levelArg = call.query.get('compression-level') ?? call.query.get('l')
  const level = levelArg == null || levelArg === '' ? -1 : Number(levelArg)
  if (!Number.isInteger(level) || level < -1 || level > 9) throw clientError('compression level must be between 1 and 9')
  if (level > 0 && !compress) throw clientError('compression level only applies with compress=true')
  const entry = await entryAt(call, arg)
  const name = pathOrCidPath(arg).split('/').filter(s => s !== '').pop() ?? entry.cid.toString()
  let body: AsyncIterable<Uint8Array>
  if (compress && !archive && entry.type !== 'directory' && entry.type !== 'object') {
    body = entryBytes(entry, connectorBlockstore(call.deps.ipfs, call.signal), { signal: call.signal })
  } else {
    body = tarStream(tarEntries(call, entry, name))
  }
  if (compress) {
    const gz = createGzip({ level: level <= 0 ? zlibConstants.Z_DEFAULT_COMPRESSION : level })
    body = Readable.from(body).pipe(gz)
  }
  await streamBytes(call.res, body, 'application/x-tar')
}

/**
 * files/stat of an /ipfs/ path (the embedded node has no MFS): kubo's
 * {Hash, Size, CumulativeSize, Blocks, Type, WithLocality}.
 */
export async function filesStat (call: ProxyCall): Promise<void> {
  const arg = requireArg(call, 'path')
  if (!arg.startsWith('/ipfs/') && !arg.startsWith('/ipld/') && !arg.startsWith('/ipns/')) {
    throw new KuboRpcError('file does not exist (the embedded IPFS node has no MFS: use an /ipfs/ path)')
  }
  const entry = await entryAt(call, arg)
  const cid = entry.cid
  const block = await call.deps.ipfs.blockGet(cid.toString(), { signal: call.signal })
  let cumulative = block.byteLength
  let blocks = 0
  if (cid.code === dagPb.code) {
    const node = dagPb.decode(block)
    blocks = node.Links.length
    for (const l of node.Links) cumulative += l.Tsize ?? 0
  }
  const k = entry.type === 'object' ? undefined : kindOf(entry)
  const type = entry.type === 'directory' ? 'directory' : k?.type === TYPE.symlink ? 'symlink' : 'file'
  if (boolOpt(call.query, 'hash', false)) {
    sendJson(call.res, { Hash: cid.toString(), Size: 0, CumulativeSize: 0, Blocks: 0, Type: '', WithLocality: false })
    return
  }
  sendJson(call.res, {
    Hash: cid.toString(),
    Size: entry.type === 'directory' ? 0 : Number(entry.size),
    CumulativeSize: cumulative,
    Blocks: blocks,
    Type: type,
    WithLocality: false
  })
}
