// Streaming parser for the multipart/form-data bodies kubo's and cluster's clients send to
// /add (go-ipfs-files MultiFileReader layout): one part per file, directory or symlink, with the
// url-escaped relative path in the Content-Disposition filename, directories first and empty.
// Each entry's content reads the part body straight from the request; the body is not read
// further until the entry is consumed (or the next entry is asked for, which skips the rest of
// the current part, as Go's NextPart does).
import { InvalidArgumentError } from '../api/errors.js'
import { ByteReader, MultipartError } from './byte-reader.js'
import { MediaTypeError, parseMediaType } from './media-type.js'
import type { AddEntry } from './types.js'

export { MultipartError } from './byte-reader.js'

/** Go net/http's ErrNotMultipart and ErrMissingBoundary texts (upstream's 400 answers). */
export const ERR_NOT_MULTIPART = "request Content-Type isn't multipart/form-data"
export const ERR_MISSING_BOUNDARY = 'no multipart boundary param in Content-Type'

const MAX_HEADER_LINE = 16 * 1024
const MAX_HEADER_LINES = 100
const DEFAULT_MAX_PARTS = 1_000_000
const MAX_EPILOGUE = 64 * 1024

export interface MultipartOptions {
  signal?: AbortSignal
  maxParts?: number
}

/** The boundary of a multipart/form-data Content-Type; anything else is a 400. */
export function multipartBoundary (contentType: string | undefined): string {
  if (contentType == null || contentType === '') throw new InvalidArgumentError(ERR_NOT_MULTIPART)
  let mt
  try {
    mt = parseMediaType(contentType)
  } catch {
    throw new InvalidArgumentError(ERR_NOT_MULTIPART)
  }
  if (mt.type !== 'multipart/form-data') throw new InvalidArgumentError(ERR_NOT_MULTIPART)
  const b = mt.params.boundary
  if (b == null || b === '') throw new InvalidArgumentError(ERR_MISSING_BOUNDARY)
  return b
}

type Headers = Map<string, string>

/** What may follow a boundary for it to count: "--", white space or the line end (Go). */
function boundaryEnd (b: number): boolean {
  return b === 0x2d || b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a
}

async function readHeaders (r: ByteReader): Promise<Headers> {
  const h: Headers = new Map()
  let last: string | undefined
  for (let n = 0; ; n++) {
    if (n > MAX_HEADER_LINES) throw new MultipartError('multipart: too many part headers')
    const line = await r.readLine(MAX_HEADER_LINE)
    if (line == null) throw new MultipartError('multipart: unexpected EOF')
    if (line === '') return h
    if ((line[0] === ' ' || line[0] === '\t') && last != null) {
      h.set(last, `${h.get(last) ?? ''} ${line.trim()}`)
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) throw new MultipartError(`malformed MIME header line: ${line}`)
    last = line.slice(0, colon).trim().toLowerCase()
    // header bytes are UTF-8 in practice; latin1 was only used to split them safely
    const value = Buffer.from(line.slice(colon + 1).trim(), 'latin1').toString('utf8')
    if (!h.has(last)) h.set(last, value)
  }
}

/** Go's url.QueryUnescape ('+' is a space); undefined on a bad escape. */
function queryUnescape (s: string): string | undefined {
  const bytes: number[] = []
  const src = Buffer.from(s, 'utf8')
  for (let i = 0; i < src.length; i++) {
    const c = src[i]
    if (c === 0x25) {
      const hex = src.subarray(i + 1, i + 3).toString('latin1')
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined
      bytes.push(parseInt(hex, 16))
      i += 2
    } else {
      bytes.push(c === 0x2b ? 0x20 : c)
    }
  }
  return Buffer.from(bytes).toString('utf8')
}

/** go-ipfs-files fileName(): the filename parameter, unescaped, cleaned, made relative. */
function partPath (disposition: Record<string, string> | undefined): string {
  let name = disposition?.filename ?? ''
  name = queryUnescape(name) ?? name
  const out: string[] = []
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') out.pop()
    else out.push(seg)
  }
  return out.join('/')
}

/** mode and mtime travel as a query string in the form name: name="file?mode=0644&mtime=…" */
function partMeta (formName: string | undefined): Pick<AddEntry, 'mode' | 'mtime'> {
  const q = formName?.indexOf('?') ?? -1
  if (formName == null || q === -1) return {}
  const params = new URLSearchParams(formName.slice(q + 1))
  const meta: Pick<AddEntry, 'mode' | 'mtime'> = {}
  const mode = params.get('mode')
  if (mode != null && /^[0-7]+$/.test(mode)) meta.mode = parseInt(mode, 8)
  const secs = params.get('mtime')
  if (secs != null && /^-?\d+$/.test(secs)) {
    const nsecs = params.get('mtime-nsecs')
    meta.mtime = { secs: Number(secs), ...(nsecs != null && /^\d+$/.test(nsecs) ? { nsecs: Number(nsecs) } : {}) }
  }
  return meta
}

function entryType (contentType: string | undefined): AddEntry['type'] {
  if (contentType == null || contentType === '') return 'file'
  let t: string
  try {
    t = parseMediaType(contentType).type
  } catch (err) {
    if (err instanceof MediaTypeError) throw new MultipartError(err.message)
    throw err
  }
  if (t === 'application/x-directory' || t === 'multipart/form-data') return 'directory'
  if (t === 'application/symlink') return 'symlink'
  return 'file'
}

/**
 * One part's body, shared between the entry handed out (whose early exit must not close it)
 * and the parser (which drains what the consumer left before moving on).
 */
class PartBody implements AsyncIterable<Uint8Array> {
  private readonly gen: AsyncGenerator<Uint8Array>
  finished = false

  constructor (gen: AsyncGenerator<Uint8Array>) {
    this.gen = gen
  }

  async next (): Promise<IteratorResult<Uint8Array>> {
    if (this.finished) return { done: true, value: undefined }
    const r = await this.gen.next()
    if (r.done === true) this.finished = true
    return r
  }

  async drain (): Promise<void> {
    while (!(await this.next()).done) { /* skip what the consumer did not read */ }
  }

  [Symbol.asyncIterator] (): AsyncIterator<Uint8Array> {
    return { next: async () => await this.next(), return: async () => ({ done: true, value: undefined }) }
  }
}

async function * parts (body: AsyncIterable<Uint8Array>, boundary: string, opts: MultipartOptions): AsyncGenerator<AddEntry> {
  const r = new ByteReader(body, opts.signal)
  yield * partsOf(r, boundary, opts)
  // consume the epilogue so the client's body is read to its end
  await r.discardRest(MAX_EPILOGUE)
}

async function * partsOf (r: ByteReader, boundary: string, opts: MultipartOptions): AsyncGenerator<AddEntry> {
  const dash = `--${boundary}`
  // Preamble: skip lines until the first boundary line.
  for (;;) {
    const line = await r.readLine(MAX_HEADER_LINE + boundary.length)
    if (line == null) throw new MultipartError('multipart: NextPart: EOF')
    const t = line.trimEnd()
    if (t === `${dash}--`) return
    if (t === dash) break
  }
  const delim = Buffer.from(`${r.lastLineCRLF ? '\r\n' : '\n'}${dash}`)
  const seenDirs = new Set<string>()
  const maxParts = opts.maxParts ?? DEFAULT_MAX_PARTS
  let count = 0
  for (;;) {
    if (++count > maxParts) throw new MultipartError(`multipart: more than ${maxParts} parts`)
    const headers = await readHeaders(r)
    let disposition: Record<string, string> | undefined
    try {
      disposition = parseMediaType(headers.get('content-disposition') ?? '').params
    } catch {
      disposition = undefined
    }
    const type = entryType(headers.get('content-type'))
    const path = partPath(disposition)
    const content = new PartBody(r.readUntil(delim, boundaryEnd))

    // Parents the client did not announce (go-ipfs-files creates them implicitly).
    const segs = path.split('/')
    for (let i = 1; i < segs.length; i++) {
      const dir = segs.slice(0, i).join('/')
      if (!seenDirs.has(dir)) {
        seenDirs.add(dir)
        yield { path: dir, type: 'directory' }
      }
    }
    if (type === 'directory') seenDirs.add(path)

    const entry: AddEntry = { path, type, ...partMeta(disposition?.name) }
    if (type !== 'directory') entry.content = content
    const abspath = headers.get('abspath')
    if (abspath != null && abspath !== '') entry.abspath = abspath
    yield entry
    await content.drain()

    // After the delimiter: "--" ends the body; otherwise the rest of the line is padding.
    if (await r.startsWith(Buffer.from('--'))) return
    const rest = await r.readLine(MAX_HEADER_LINE)
    if (rest == null) throw new MultipartError('multipart: unexpected EOF')
    if (rest.trim() !== '') throw new MultipartError('multipart: boundary followed by garbage')
  }
}

/**
 * Parses a kubo-style multipart/form-data /add body into entries, in the order sent. The
 * Content-Type is checked at once (InvalidArgumentError with Go's text); body errors surface
 * from the iterator or from an entry's content, also as InvalidArgumentError.
 */
export function parseMultipart (
  body: AsyncIterable<Uint8Array>,
  contentType: string | undefined,
  opts: MultipartOptions = {}
): AsyncIterable<AddEntry> {
  const boundary = multipartBoundary(contentType)
  return parts(body, boundary, opts)
}
