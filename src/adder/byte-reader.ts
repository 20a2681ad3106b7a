// Buffered reading of a request body: lines for part headers and "everything up to a
// delimiter" for part bodies, pulling from the source only when the buffer runs short.
import { InvalidArgumentError } from '../api/errors.js'

/** A body that is not well-formed multipart: the client's fault (400). */
export class MultipartError extends InvalidArgumentError {
  constructor (message: string) {
    super(message)
    this.name = 'MultipartError'
  }
}

export class UnexpectedEOFError extends MultipartError {
  constructor () {
    super('multipart: unexpected EOF')
    this.name = 'UnexpectedEOFError'
  }
}

/** Length of the longest end of `buf` that is a proper start of `delim`. */
export function partialMatch (buf: Buffer, delim: Buffer): number {
  for (let start = Math.max(0, buf.length - delim.length + 1); start < buf.length; start++) {
    start = buf.indexOf(delim[0], start)
    if (start === -1) return 0
    if (buf.subarray(start).equals(delim.subarray(0, buf.length - start))) return buf.length - start
  }
  return 0
}

export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>
  private buf: Buffer = Buffer.alloc(0)
  private eof = false
  /** whether the last line read by readLine ended with CRLF */
  lastLineCRLF = false
  private readonly signal?: AbortSignal

  constructor (source: AsyncIterable<Uint8Array>, signal?: AbortSignal) {
    this.it = source[Symbol.asyncIterator]()
    this.signal = signal
  }

  /** Pulls one more piece from the source; false at its end. */
  private async more (): Promise<boolean> {
    if (this.eof) return false
    this.signal?.throwIfAborted()
    for (;;) {
      const r = await this.it.next()
      if (r.done === true) {
        this.eof = true
        return false
      }
      if (r.value.byteLength === 0) continue
      const piece = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength)
      this.buf = this.buf.length === 0 ? piece : Buffer.concat([this.buf, piece])
      return true
    }
  }

  /** A line without its terminator (LF, optionally preceded by CR); null at the end. */
  async readLine (maxLength: number): Promise<string | null> {
    let from = 0
    for (;;) {
      const nl = this.buf.indexOf(10, from)
      if (nl !== -1) {
        const end = nl > 0 && this.buf[nl - 1] === 13 ? nl - 1 : nl
        this.lastLineCRLF = end !== nl
        const line = this.buf.subarray(0, end).toString('latin1')
        this.buf = this.buf.subarray(nl + 1)
        return line
      }
      if (this.buf.length > maxLength) throw new MultipartError('multipart: header line too long')
      from = this.buf.length
      if (!(await this.more())) {
        if (this.buf.length === 0) return null
        throw new UnexpectedEOFError()
      }
    }
  }

  /**
   * Bytes up to (not including) `delim`, in pieces as they arrive; the delimiter itself is
   * consumed. `follows` vets the byte after a match (Go's multipart only takes a boundary that
   * is followed by '-', white space or a line end); a refused match stays content. A source
   * that ends first is an UnexpectedEOFError.
   */
  async * readUntil (delim: Buffer, follows: (next: number) => boolean = () => true): AsyncGenerator<Uint8Array> {
    let from = 0
    for (;;) {
      const at = this.buf.indexOf(delim, from)
      if (at !== -1) {
        const after = at + delim.length
        if (this.buf.length <= after && await this.more()) continue
        if (this.buf.length <= after || follows(this.buf[after])) {
          if (at > 0) yield this.buf.subarray(0, at)
          this.buf = this.buf.subarray(after)
          return
        }
        from = at + 1
        continue
      }
      // keep only a tail that is the start of the delimiter (usually none: then the next piece
      // is read as it is, without copying it onto a kept tail)
      const safe = Math.max(from, this.buf.length - partialMatch(this.buf, delim))
      if (safe > 0) {
        const out = this.buf.subarray(0, safe)
        this.buf = this.buf.subarray(safe)
        from = 0
        yield out
      }
      if (!(await this.more())) throw new UnexpectedEOFError()
    }
  }

  /** Whether the next bytes are `prefix` (reads ahead as needed, consumes nothing). */
  async startsWith (prefix: Buffer): Promise<boolean> {
    while (this.buf.length < prefix.length) {
      if (!(await this.more())) break
    }
    return this.buf.length >= prefix.length && this.buf.subarray(0, prefix.length).equals(prefix)
  }

  /**
   * Reads and drops what is left of the source (a multipart epilogue), up to `limit` bytes, so
   * that a request body is fully consumed without tearing down its stream.
   */
  async discardRest (limit: number): Promise<void> {
    let seen = this.buf.length
    this.buf = Buffer.alloc(0)
    while (seen <= limit && await this.more()) {
      seen += this.buf.length
      this.buf = Buffer.alloc(0)
    }
  }

  skip (n: number): void {
    this.buf = this.buf.subarray(n)
  }
}
