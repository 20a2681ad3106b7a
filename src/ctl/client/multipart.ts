// The multipart/form-data body of POST /add, in the layout of kubo / boxo files'
// MultiFileReader that upstream's client sends: one part per file, directory and symlink, in
// depth-first order with a directory part before its children, each named by its url-escaped
// path relative to the added roots. File contents are streamed from disk, never read whole.
import { closeSync, openSync, readSync } from 'node:fs'
import { lstat, readdir, readlink, realpath } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import http from 'node:http'
import https from 'node:https'
import { ClientError } from './errors.js'
import { ReadBuffers } from './read-buffers.js'

/** One argument of `add`: a local path or an http(s) URL. */
export type AddSource =
  | { kind: 'path', name: string, path: string, stat: Stats }
  | { kind: 'url', name: string, url: string }

export interface EncodeOptions {
  hidden: boolean
  /** called with the number of file-content bytes each time some are emitted */
  onData?: (n: number) => void
  signal?: AbortSignal
  /** where file content is read into (default: a new buffer per read) */
  buffers?: ReadBuffers
}

/** Go's url.QueryEscape: only A-Z a-z 0-9 - _ . ~ stay as they are, space becomes "+". */
export function goQueryEscape (s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+')
}

/** A boundary like Go's mime/multipart: 30 random bytes in hex. */
export function newBoundary (): string {
  return randomBytes(30).toString('hex')
}

/** boxo's hidden-file rule: a name starting with "." (other than "." itself). */
function isHidden (name: string): boolean {
  return name.startsWith('.') && name.length > 1
}

function fsError (op: string, p: string, err: any): ClientError {
  const known: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    ENOTDIR: 'not a directory',
    ELOOP: 'too many levels of symbolic links'
  }
  const msg = known[err?.code] ?? err?.message ?? String(err)
  return new ClientError(`${op} ${p}: ${msg}`, { cause: err })
}

/**
 * Validates the arguments of `add` before anything is sent, as upstream does: URLs are kept,
 * paths must exist, a directory needs `recursive`, nocopy only works with URLs.
 */
export async function prepareSources (args: string[], opts: { recursive: boolean, nocopy: boolean }): Promise<AddSource[]> {
  const out: AddSource[] = []
  for (const arg of args) {
    if (/^https?:\/\//i.test(arg)) {
      let u: URL
      try {
        u = new URL(arg)
      } catch (err: any) {
        throw new ClientError(`error parsing path: ${err?.message ?? String(err)}`)
      }
      out.push({ kind: 'url', name: path.posix.basename(u.pathname), url: u.toString() })
      continue
    }
    if (opts.nocopy) throw new ClientError('nocopy option is only valid for URLs')
    let p = arg
    if (p === '.') {
      try {
        p = await realpath(process.cwd())
      } catch (err) {
        throw fsError('lstat', '.', err)
      }
    }
    p = path.normalize(p)
    if (p.length > 1 && p.endsWith(path.sep)) p = p.slice(0, -1)
    let stat: Stats
    try {
      stat = await lstat(p)
    } catch (err) {
      throw fsError('lstat', p, err)
    }
    if (stat.isDirectory() && !opts.recursive) {
      throw new ClientError(`${p} is a directory, but Recursive option is not set`)
    }
    if (!stat.isDirectory() && !stat.isFile() && !stat.isSymbolicLink()) {
      throw new ClientError(`unrecognized file type for ${p}`)
    }
    out.push({ kind: 'path', name: path.basename(p), path: p, stat })
  }
  return out
}

/** Directory entries in Go's os.ReadDir order (bytewise by name), hidden ones filtered. */
async function listDir (dir: string, hidden: boolean): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    throw fsError('open', dir, err)
  }
  return names
    .filter(n => hidden || !isHidden(n))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}

/** Bytes of regular-file content the body will carry (the progress bar's total). */
export async function totalSize (sources: AddSource[], hidden: boolean): Promise<number | undefined> {
  let total = 0
  const walk = async (p: string, st: Stats): Promise<void> => {
    if (st.isFile()) total += st.size
    else if (st.isDirectory()) {
      for (const n of await listDir(p, hidden)) {
        const child = path.join(p, n)
        await walk(child, await lstat(child))
      }
    }
  }
  for (const s of sources) {
    if (s.kind === 'url') return undefined
    await walk(s.path, s.stat)
  }
  return total
}

interface Part {
  /** path relative to the roots, "/"-separated */
  rel: string
  type: 'application/octet-stream' | 'application/x-directory' | 'application/symlink'
  abspath?: string
}

function partHeader (boundary: string, first: boolean, part: Part): Buffer {
  // Go's multipart.Writer: CRLF before every boundary but the first, headers sorted by key
  let h = first ? `--${boundary}\r\n` : `\r\n--${boundary}\r\n`
  if (part.abspath != null) h += `Abspath: ${part.abspath}\r\n`
  h += `Content-Disposition: form-data; name="file"; filename="${goQueryEscape(part.rel)}"\r\n`
  h += `Content-Type: ${part.type}\r\n\r\n`
  return Buffer.from(h)
}

/** Bytes of a file read at once: a few of the importer's chunks, one socket write. */
export const FILE_READ_BYTES = 1 << 20

/**
 * A file's bytes, read synchronously on the CLI's one thread: through a ReadStream every read
 * went to libuv's thread pool and back, and the command has nothing else to do meanwhile. Each
 * piece is a buffer the request does not hold any more (read-buffers.ts).
 */
async function * fileContent (p: string, opts: EncodeOptions): AsyncGenerator<Uint8Array> {
  const buffers = opts.buffers ?? new ReadBuffers(FILE_READ_BYTES)
  let fd: number
  try {
    fd = openSync(p, 'r')
  } catch (err) {
    throw fsError('open', p, err)
  }
  try {
    while (true) {
      opts.signal?.throwIfAborted()
      const buf = buffers.take()
      let n: number
      try {
        n = readSync(fd, buf, 0, buf.byteLength, null)
      } catch (err) {
        throw fsError('read', p, err)
      }
      if (n === 0) return
      opts.onData?.(n)
      yield buf.subarray(0, n)
    }
  } finally {
    closeSync(fd)
  }
}

async function * urlContent (url: string, opts: EncodeOptions): AsyncGenerator<Uint8Array> {
  const get = url.startsWith('https:') ? https.get : http.get
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = get(url, { signal: opts.signal }, resolve)
    req.once('error', err => { reject(new ClientError(`Get "${url}": ${err.message}`)) })
  })
  const status = res.statusCode ?? 0
  if (status < 200 || status > 299) {
    res.resume()
    throw new ClientError(`got non-2XX status code ${status}: ${url}`)
  }
  for await (const chunk of res) {
    opts.onData?.((chunk as Buffer).length)
    yield chunk as Buffer
  }
}

/** The multipart body for the given (validated) sources, chunk by chunk. */
export async function * encodeMultipart (sources: AddSource[], boundary: string, opts: EncodeOptions): AsyncGenerator<Uint8Array> {
  let first = true
  const header = (part: Part): Buffer => {
    const b = partHeader(boundary, first, part)
    first = false
    return b
  }

  async function * node (p: string, rel: string, st: Stats): AsyncGenerator<Uint8Array> {
    opts.signal?.throwIfAborted()
    if (st.isSymbolicLink()) {
      let target: string
      try {
        target = await readlink(p)
      } catch (err) {
        throw fsError('readlink', p, err)
      }
      yield header({ rel, type: 'application/symlink' })
      yield Buffer.from(target)
    } else if (st.isDirectory()) {
      // listed before its part is written, so that an unreadable directory fails cleanly
      const names = await listDir(p, opts.hidden)
      yield header({ rel, type: 'application/x-directory' })
      for (const n of names) {
        const child = path.join(p, n)
        let cst: Stats
        try {
          cst = await lstat(child)
        } catch (err) {
          throw fsError('lstat', child, err)
        }
        yield * node(child, `${rel}/${n}`, cst)
      }
    } else if (st.isFile()) {
      yield header({ rel, type: 'application/octet-stream', abspath: path.resolve(p) })
      yield * fileContent(p, opts)
    } else {
      throw new ClientError(`unrecognized file type for ${p}`)
    }
  }

  for (const s of sources) {
    if (s.kind === 'url') {
      yield header({ rel: s.name, type: 'application/octet-stream', abspath: s.url })
      yield * urlContent(s.url, opts)
    } else {
      yield * node(s.path, s.name, s.stat)
    }
  }
  yield Buffer.from(first ? `--${boundary}--\r\n` : `\r\n--${boundary}--\r\n`)
}
