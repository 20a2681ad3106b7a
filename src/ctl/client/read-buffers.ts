// The buffers an upload reads file content into, each used again once the connection has
// handed its bytes to the kernel.
//
// Why: a fresh 1 MiB buffer per read is memory the process touches for the first time. The C
// allocator gives large freed buffers back and takes them anew, so each of their pages is a
// fault (12-15 µs on the project's VMs); V8 counts them as external memory and collects
// more often; and the kernel's copies from the file into them, and from them into the socket,
// cost per distinct page they touch. cluster-ctl add of 1 GiB to a 6-peer cluster took 2.2-2.6 s
// of CPU that way, against 1.1-1.5 s reading into a few reused buffers.
//
// Only a transport that says when it is done with a chunk (sendRequest's onWritten: a socket's
// write callback) gives buffers back; without it every read takes a new buffer, as before.

/** Released buffers kept at most: more than an upload has in flight. */
const MAX_FREE = 8

export class ReadBuffers {
  readonly size: number
  private readonly free: Buffer[] = []
  private readonly mine = new WeakSet<ArrayBufferLike>()
  /** buffers made so far (the rest of the reads reused them) */
  allocated = 0

  constructor (size: number) {
    this.size = size
  }

  /** A buffer of `size` bytes: one given back, else a new one. Its bytes are not zeroed. */
  take (): Buffer {
    const reused = this.free.pop()
    if (reused != null) return reused
    // a whole ArrayBuffer of its own, never a slice of Node's shared pool: it is known by its
    // ArrayBuffer when it comes back
    const buf = Buffer.allocUnsafeSlow(this.size)
    this.mine.add(buf.buffer)
    this.allocated++
    return buf
  }

  /**
   * The transport is done with `chunk`: when it is a view of one of these buffers, that
   * buffer serves a later read. Other chunks (part headers) are ignored.
   */
  release (chunk: Uint8Array): void {
    if (!this.mine.has(chunk.buffer) || this.free.length >= MAX_FREE) return
    if (this.free.some(b => b.buffer === chunk.buffer)) return
    this.free.push(Buffer.from(chunk.buffer, 0, this.size))
  }
}
