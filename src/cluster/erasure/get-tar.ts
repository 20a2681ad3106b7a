// A minimal POSIX tar (ustar + pax) writer for ecget of a directory: a stream of 512-byte
// headers and padded contents, ended by two zero blocks. Paths longer than ustar's name field,
// or sizes of 8 GiB and more, get a pax extended header ('x') first, which every tar reads.
export interface TarEntry {
  /** path relative to the archive root, '/'-separated, no leading '/' */
  path: string
  type: 'file' | 'directory' | 'symlink'
  size: number
  mode: number
  /** seconds since the epoch */
  mtime: number
  linkname?: string
  content?: AsyncIterable<Uint8Array>
}

const BLOCK = 512
const enc = new TextEncoder()

function octal (value: number, width: number): string {
  // width-1 digits and a NUL terminator
  return value.toString(8).padStart(width - 1, '0') + '\0'
}

function put (buf: Uint8Array, offset: number, width: number, text: string): void {
  const bytes = enc.encode(text)
  buf.set(bytes.subarray(0, width), offset)
}

function header (name: string, type: string, size: number, mode: number, mtime: number, linkname = '', prefix = ''): Uint8Array {
  const h = new Uint8Array(BLOCK)
  put(h, 0, 100, name)
  put(h, 100, 8, octal(mode & 0o7777, 8))
  put(h, 108, 8, octal(0, 8))
  put(h, 116, 8, octal(0, 8))
  put(h, 124, 12, octal(size, 12))
  put(h, 136, 12, octal(Math.max(0, Math.floor(mtime)), 12))
  put(h, 148, 8, '        ')
  put(h, 156, 1, type)
  put(h, 157, 100, linkname)
  put(h, 257, 6, 'ustar\0')
  put(h, 263, 2, '00')
  put(h, 345, 155, prefix)
  let sum = 0
  for (const b of h) sum += b
  put(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ')
  return h
}

/** A pax record "<len> key=value\n", where len counts the whole record. */
function paxRecord (key: string, value: string): string {
  const body = ` ${key}=${value}\n`
  let len = enc.encode(body).byteLength + 1
  while (String(len).length + enc.encode(body).byteLength !== len) len++
  return `${len}${body}`
}

/** Splits a path into ustar's prefix (155) and name (100) fields, or undefined if it cannot. */
function splitUstar (path: string): { prefix: string, name: string } | undefined {
  if (enc.encode(path).byteLength <= 100) return { prefix: '', name: path }
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i)
    const name = path.slice(i + 1)
    if (enc.encode(prefix).byteLength <= 155 && enc.encode(name).byteLength <= 100 && name !== '') return { prefix, name }
  }
  return undefined
}

const MAX_USTAR_SIZE = 8 ** 11 - 1

function padding (size: number): Uint8Array {
  const rest = size % BLOCK
  return new Uint8Array(rest === 0 ? 0 : BLOCK - rest)
}

function * headersOf (e: TarEntry): Iterable<Uint8Array> {
  const path = e.type === 'directory' && !e.path.endsWith('/') ? `${e.path}/` : e.path
  const split = splitUstar(path)
  const records: string[] = []
  if (split == null) records.push(paxRecord('path', path))
  if (e.size > MAX_USTAR_SIZE) records.push(paxRecord('size', String(e.size)))
  if (e.linkname != null && enc.encode(e.linkname).byteLength > 100) records.push(paxRecord('linkpath', e.linkname))
  if (records.length > 0) {
    const data = enc.encode(records.join(''))
    yield header('PaxHeader', 'x', data.byteLength, 0o644, e.mtime)
    yield data
    yield padding(data.byteLength)
  }
  const name = split?.name ?? path.slice(-100)
  const type = e.type === 'directory' ? '5' : e.type === 'symlink' ? '2' : '0'
  const size = e.type === 'file' ? Math.min(e.size, MAX_USTAR_SIZE) : 0
  yield header(name, type, size, e.mode, e.mtime, (e.linkname ?? '').slice(0, 100), split?.prefix ?? '')
}

/** The archive of the entries, in their order; a file whose content is not `size` bytes is an error. */
export async function * tarStream (entries: AsyncIterable<TarEntry>): AsyncGenerator<Uint8Array> {
  for await (const e of entries) {
    yield * headersOf(e)
    if (e.type !== 'file') continue
    let n = 0
    for await (const chunk of e.content ?? []) {
      n += chunk.byteLength
      if (n > e.size) throw new Error(`tar: ${e.path} has more than its ${e.size} bytes`)
      yield chunk
    }
    if (n !== e.size) throw new Error(`tar: ${e.path} has ${n} bytes, expected ${e.size}`)
    const pad = padding(e.size)
    if (pad.byteLength > 0) yield pad
  }
  yield new Uint8Array(BLOCK * 2)
}
