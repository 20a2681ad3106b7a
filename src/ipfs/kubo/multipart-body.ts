// A multipart/form-data request body built while it is sent: one file part per item, the way
// go-ipfs-files' MultiFileReader lays out a directory's entries. block/put of a whole add goes
// out as one request that never holds more than one block in memory.
import { randomBytes } from 'node:crypto'

export interface FilePart {
  /** the part's filename (a CID for block/put) */
  name: string
  /** whole, or the pieces a block arrived in (sent one after the other, not joined) */
  bytes: Uint8Array | Iterable<Uint8Array>
}

export class MultipartBody {
  readonly boundary = randomBytes(30).toString('hex')

  get contentType (): string {
    return `multipart/form-data; boundary=${this.boundary}`
  }

  async * encode (parts: AsyncIterable<FilePart>): AsyncIterable<Uint8Array> {
    const enc = new TextEncoder()
    for await (const p of parts) {
      yield enc.encode(`--${this.boundary}\r\n` +
        `Content-Disposition: form-data; name="file"; filename="${encodeURIComponent(p.name)}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n')
      if (p.bytes instanceof Uint8Array) yield p.bytes
      else yield * p.bytes
      yield enc.encode('\r\n')
    }
    yield enc.encode(`--${this.boundary}--\r\n`)
  }
}
