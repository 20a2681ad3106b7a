// Extracts the tar stream of `ecget` on a directory (ustar, with pax 'x' records for long paths
// and large sizes, as the daemon writes it) into a folder. Files are written as their bytes
// arrive (the socket is read only as fast as they are written), so memory stays bounded. Paths
// that would leave the folder (absolute, or with '..') are refused.
import { mkdir, symlink, chmod } from 'node:fs/promises'
import { dirname, resolve, sep } from 'node:path'
import { ClientError } from '../client/errors.js'
import { writeFileFrom } from '../write-file.js'

const BLOCK = 512

/** Pull reader over an async iterable of chunks: exact-length reads. */
class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>
  private buf: Uint8Array = new Uint8Array(0)

  constructor (src: AsyncIterable<Uint8Array>) {
    this.it = src[Symbol.asyncIterator]()
  }

  private async fill (): Promise<boolean> {
    const next = await this.it.next()
    if (next.done === true) return false
    this.buf = this.buf.byteLength === 0 ? next.value : Buffer.concat([this.buf, next.value])
    return true
  }

  /** Exactly n bytes, or undefined at a clean end of input (nothing buffered). */
  async read (n: number): Promise<Uint8Array | undefined> {
    while (this.buf.byteLength < n) {
      if (!(await this.fill())) {
        if (this.buf.byteLength === 0) return undefined
        throw new ClientError('ecget: the tar stream ended in the middle of an entry')
      }
    }
    const out = this.buf.subarray(0, n)
    this.buf = this.buf.subarray(n)
    return out
  }

  /** n bytes as they come, in pieces. */
  async * pieces (n: number): AsyncGenerator<Uint8Array> {
    let left = n
    while (left > 0) {
      if (this.buf.byteLength === 0 && !(await this.fill())) throw new ClientError('ecget: the tar stream ended in the middle of a file')
      const take = Math.min(left, this.buf.byteLength)
      yield this.buf.subarray(0, take)
      this.buf = this.buf.subarray(take)
      left -= take
    }
  }
}

function text (h: Uint8Array, off: number, len: number): string {
  const field = h.subarray(off, off + len)
  const end = field.indexOf(0)
  return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString('utf8')
}

function octal (h: Uint8Array, off: number, len: number): number {
  const s = text(h, off, len).trim()
  return s === '' ? 0 : parseInt(s, 8)
}

function checksumOk (h: Uint8Array): boolean {
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]
  return sum === octal(h, 148, 8)
}

function parsePax (data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {}
  const s = Buffer.from(data).toString('utf8')
  let i = 0
  while (i < s.length) {
    const sp = s.indexOf(' ', i)
    if (sp < 0) break
    const len = Number(s.slice(i, sp))
    if (!Number.isInteger(len) || len <= 0) break
    const rec = Buffer.from(s.slice(i)).subarray(0, len).toString('utf8')
    const kv = rec.slice(rec.indexOf(' ') + 1, -1)
    const eq = kv.indexOf('=')
    if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1)
    i += rec.length
  }
  return out
}

function safePath (root: string, path: string): string {
  const clean = path.replace(/\/+$/, '')
  const full = resolve(root, clean)
  if (clean === '' || clean.startsWith('/') || clean.split('/').includes('..') || !(full + sep).startsWith(resolve(root) + sep)) {
    throw new ClientError(`ecget: refusing the archive path ${JSON.stringify(path)}`)
  }
  return full
}

/** Extracts the archive into `root` (created); onBytes counts file content bytes. */
export async function extractTar (src: AsyncIterable<Uint8Array>, root: string, onBytes?: (n: number) => void): Promise<void> {
  await mkdir(root, { recursive: true })
  const r = new ByteReader(src)
  let pax: Record<string, string> = {}
  while (true) {
    const h = await r.read(BLOCK)
    if (h == null) throw new ClientError('ecget: the tar stream ended without its end marker')
    if (h.every(b => b === 0)) return // end of archive (the second zero block may follow)
    if (!checksumOk(h)) throw new ClientError('ecget: bad tar header checksum')
    const type = String.fromCharCode(h[156] === 0 ? 48 : h[156])
    let size = octal(h, 124, 12)
    if (pax.size != null) size = Number(pax.size)
    const prefix = text(h, 345, 155)
    const name = pax.path ?? (prefix !== '' ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100))
    const linkname = pax.linkpath ?? text(h, 157, 100)
    const mode = octal(h, 100, 8)
    const pad = (BLOCK - (size % BLOCK)) % BLOCK
    if (type === 'x' || type === 'g') {
      const data = await r.read(size + pad) ?? new Uint8Array(0)
      if (type === 'x') pax = parsePax(data.subarray(0, size))
      continue
    }
    pax = {}
    if (type === '5') {
      await mkdir(safePath(root, name), { recursive: true })
    } else if (type === '2') {
      const p = safePath(root, name)
      await mkdir(dirname(p), { recursive: true })
      await symlink(linkname, p)
    } else if (type === '0') {
      const p = safePath(root, name)
      await mkdir(dirname(p), { recursive: true })
      await writeFileFrom(r.pieces(size), p, onBytes)
      if (mode !== 0) await chmod(p, mode & 0o7777).catch(() => {})
    } else {
      throw new ClientError(`ecget: unsupported tar entry type ${JSON.stringify(type)} for ${name}`)
    }
    if (pad > 0 && type === '0') await r.read(pad)
  }
}

