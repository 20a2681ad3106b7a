// An incremental reader of one HTTP/1.1 response, for downloads read into one reused buffer
// (see download.ts): the body comes out as views of the bytes pushed in, never copied. It
// reads the status line and headers, then a body framed as chunked (with trailers), by
// Content-Length, or by the end of the connection.
import { ClientError } from './errors.js'

/** A head or a trailer section larger than this is refused (node's own limit is 16 KiB). */
const MAX_SECTION_BYTES = 64 * 1024

export interface ResponseHead {
  status: number
  /** lower-case names; a repeated header's values joined with ", " */
  headers: Record<string, string>
}

type State = 'head' | 'size' | 'data' | 'data-end' | 'trailers' | 'length' | 'close' | 'done'

export class Http1ResponseReader {
  head?: ResponseHead
  /** trailer fields in order, names as sent */
  readonly trailers: Array<[string, string]> = []
  private state: State = 'head'
  /** the line read so far (head, chunk size or trailer), as latin1 */
  private line = ''
  private sectionBytes = 0
  private headLines: string[] = []
  /** body bytes left in the current chunk, or of the Content-Length */
  private left = 0

  /** Whether the whole response was read (for a body that ends with the connection: once it ended). */
  get complete (): boolean {
    return this.state === 'done'
  }

  /** Reads `bytes`; returns the body bytes among them, in order, as views of `bytes`. */
  push (bytes: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = []
    let at = 0
    while (at < bytes.byteLength && this.state !== 'done') {
      if (this.state === 'data' || this.state === 'length') {
        const n = Math.min(this.left, bytes.byteLength - at)
        out.push(bytes.subarray(at, at + n))
        at += n
        this.left -= n
        if (this.left === 0) this.state = this.state === 'data' ? 'data-end' : 'done'
        continue
      }
      if (this.state === 'close') {
        out.push(bytes.subarray(at))
        break
      }
      const nl = bytes.indexOf(10, at)
      const end = nl < 0 ? bytes.byteLength : nl
      this.sectionBytes += end - at + 1
      if (this.sectionBytes > MAX_SECTION_BYTES) throw new ClientError('the server sent an oversized response head or trailer')
      this.line += Buffer.from(bytes.buffer, bytes.byteOffset + at, end - at).toString('latin1')
      at = end + 1
      if (nl < 0) break
      const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line
      this.line = ''
      this.onLine(line)
    }
    return out
  }

  /** The connection ended: a body delimited by it is complete now. */
  end (): void {
    if (this.state === 'close') this.state = 'done'
  }

  private onLine (line: string): void {
    switch (this.state) {
      case 'head':
        if (line !== '') this.headLines.push(line)
        else if (this.headLines.length > 0) this.endHead()
        return
      case 'size': {
        const size = Number.parseInt(line.split(';')[0].trim(), 16)
        if (!Number.isSafeInteger(size) || size < 0) throw new ClientError(`the server sent a bad chunk size ${JSON.stringify(line.slice(0, 32))}`)
        this.sectionBytes = 0
        if (size === 0) {
          this.state = 'trailers'
        } else {
          this.left = size
          this.state = 'data'
        }
        return
      }
      case 'data-end':
        if (line !== '') throw new ClientError('the server sent a chunk longer than its size')
        this.sectionBytes = 0
        this.state = 'size'
        return
      case 'trailers': {
        if (line === '') {
          this.state = 'done'
          return
        }
        const colon = line.indexOf(':')
        if (colon > 0) this.trailers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()])
      }
    }
  }

  private endHead (): void {
    const [statusLine, ...fields] = this.headLines
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)
    if (m == null) throw new ClientError(`the server sent a bad status line ${JSON.stringify(statusLine.slice(0, 64))}`)
    const status = Number(m[1])
    this.headLines = []
    this.sectionBytes = 0
    // an interim answer (100 Continue): the real one follows
    if (status >= 100 && status < 200) return
    const headers: Record<string, string> = {}
    for (const f of fields) {
      const colon = f.indexOf(':')
      if (colon <= 0) continue
      const name = f.slice(0, colon).trim().toLowerCase()
      const value = f.slice(colon + 1).trim()
      headers[name] = headers[name] != null ? `${headers[name]}, ${value}` : value
    }
    this.head = { status, headers }
    if (status === 204 || status === 304) {
      this.state = 'done'
    } else if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
      this.state = 'size'
    } else if (headers['content-length'] != null) {
      const length = Number(headers['content-length'])
      if (!Number.isSafeInteger(length) || length < 0) throw new ClientError(`the server sent a bad Content-Length ${JSON.stringify(headers['content-length'])}`)
      this.left = length
      this.state = length === 0 ? 'done' : 'length'
    } else {
      this.state = 'close'
    }
  }
}
