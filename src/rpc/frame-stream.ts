// Length-prefixed frames over one libp2p stream, with backpressure in both directions.
//
// Why not @libp2p/utils' lpStream: it takes every byte the muxer delivers into its own buffer
// and aborts the stream once 4 MiB wait there, and yamux grants the sender more window as soon
// as bytes are delivered. A fast sender and a slow handler (a block stream into a busy
// blockstore, a streamed result read by a slow consumer) hit that limit and the call dies with
// "Cannot write to a stream that is closed". Here the stream is paused while more than
// HIGH_WATER bytes wait unread: yamux then stops granting window and the sender waits.
import * as varint from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { RpcError } from './frames.js'
import { nextDrain } from '../host/stream-drain.js'

/** unread bytes above which the stream is paused */
const HIGH_WATER = 1024 * 1024

export class FrameTooLargeError extends RpcError {
  constructor (length: number, max: number) {
    super(`rpc frame of ${length} bytes exceeds the ${max}-byte limit`, 400)
    this.name = 'FrameTooLargeError'
  }
}

export class StreamEndedError extends RpcError {
  constructor (why: string) {
    super(`rpc stream ended ${why}`, 500)
    this.name = 'StreamEndedError'
  }
}

export class FrameStream {
  private readonly stream: any
  private readonly maxFrameBytes: number
  private readonly buffer = new Uint8ArrayList()
  private ended = false
  private pausing = false
  private error?: Error
  private wake?: () => void
  /**
   * Buffered bytes the frame the reader waits for needs (its prefix and body), once its
   * prefix has arrived; 0 when it waits for none. The reader is woken when they are all there,
   * not for every message: a 256 KiB block arrives in four or five messages of the muxer, and
   * each wake-up was a promise and an abort listener added and removed for nothing.
   */
  private needed = 0

  constructor (stream: any, maxFrameBytes: number) {
    this.stream = stream
    this.maxFrameBytes = maxFrameBytes
    // data that arrived before this listener (after protocol negotiation) is dispatched to it
    stream.addEventListener('message', (evt: any) => {
      this.buffer.append(evt.data)
      // the frame the reader waits for is not whole yet: neither pausing (it needs these
      // bytes) nor waking it
      if (this.buffer.byteLength < this.needed) return
      // paused after the current dispatch: a pause from inside the dispatch that resume() makes
      // would be undone by the window update resume() sends right after it
      if (this.buffer.byteLength > HIGH_WATER && !this.pausing) {
        this.pausing = true
        queueMicrotask(() => {
          this.pausing = false
          // not if the reader came meanwhile for a frame still incomplete: it waits for these bytes
          if (this.buffer.byteLength > HIGH_WATER && this.buffer.byteLength >= this.needed && stream.readStatus === 'readable') stream.pause()
        })
      }
      this.wakeReader()
    })
    stream.addEventListener('remoteCloseWrite', () => { this.ended = true; this.wakeReader() })
    stream.addEventListener('close', (evt: any) => {
      this.ended = true
      if (evt.error != null) this.error = evt.error
      this.wakeReader()
    })
  }

  private wakeReader (): void {
    const w = this.wake
    this.wake = undefined
    w?.()
  }

  /** The next frame; null when the remote closed its end cleanly between frames. */
  async read (opts: { signal?: AbortSignal } = {}): Promise<Uint8ArrayList | null> {
    while (true) {
      const frame = this.takeFrame()
      if (frame != null) {
        if (this.buffer.byteLength <= HIGH_WATER / 2 && this.stream.readStatus === 'paused') this.stream.resume()
        return frame
      }
      // more bytes are needed: resuming hands over at once what the paused stream kept (also
      // after the remote closed its end), and lets the sender go on
      if (this.stream.readStatus === 'paused') {
        this.stream.resume()
        continue
      }
      if (this.ended) {
        if (this.error != null) throw this.error
        if (this.buffer.byteLength === 0) return null
        throw new StreamEndedError(`in the middle of a frame (${this.buffer.byteLength} bytes unread)`)
      }
      opts.signal?.throwIfAborted()
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => { reject(opts.signal?.reason) }
        opts.signal?.addEventListener('abort', onAbort, { once: true })
        this.wake = () => { opts.signal?.removeEventListener('abort', onAbort); resolve() }
      })
    }
  }

  /** The next frame, which the protocol says must come: a clean end is a StreamEndedError. */
  async readRequired (when: string, opts: { signal?: AbortSignal } = {}): Promise<Uint8ArrayList> {
    const frame = await this.read(opts)
    if (frame == null) throw new StreamEndedError(when)
    return frame
  }

  /** A whole frame off the buffer, or undefined when it has not fully arrived. */
  private takeFrame (): Uint8ArrayList | undefined {
    if (this.buffer.byteLength === 0) return undefined
    let length: number
    let prefix: number
    try {
      length = varint.decode(this.buffer)
      prefix = varint.encodingLength(length)
    } catch (err) {
      if (err instanceof RangeError && this.buffer.byteLength < 10) return undefined
      throw err
    }
    if (length > this.maxFrameBytes) throw new FrameTooLargeError(length, this.maxFrameBytes)
    if (this.buffer.byteLength < prefix + length) {
      this.needed = prefix + length
      return undefined
    }
    this.needed = 0
    const frame = this.buffer.sublist(prefix, prefix + length)
    this.buffer.consume(prefix + length)
    return frame
  }

  /**
   * Writes one frame, given as the pieces of its bytes (sent as they are, not joined); waits
   * while the stream cannot take more (window or connection full).
   */
  async write (pieces: Uint8Array[], opts: { signal?: AbortSignal } = {}): Promise<void> {
    opts.signal?.throwIfAborted()
    const length = pieces.reduce((n, p) => n + p.byteLength, 0)
    const sent = this.stream.send(new Uint8ArrayList(varint.encode(length), ...pieces))
    if (!(sent as boolean)) await nextDrain(this.stream, () => new StreamEndedError('before the frame was sent'), opts.signal)
  }
}
