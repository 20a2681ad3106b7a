// A pull-based view of a chunker's output with one chunk of look-ahead: go's DagBuilderHelper
// asks Done() before deciding whether to grow the tree, and the layouts here do the same.
import type { Chunk } from './chunker.js'

export class ChunkReader {
  private readonly it: AsyncIterator<Chunk>
  private peeked: Chunk | undefined
  private ended = false
  private readonly signal?: AbortSignal

  constructor (chunks: AsyncIterable<Chunk>, signal?: AbortSignal) {
    this.it = chunks[Symbol.asyncIterator]()
    this.signal = signal
  }

  async done (): Promise<boolean> {
    await this.fill()
    return this.peeked == null
  }

  /** The next chunk; only call after done() answered false. */
  async next (): Promise<Chunk> {
    await this.fill()
    const c = this.peeked
    if (c == null) throw new Error('chunk reader: read past the end')
    this.peeked = undefined
    return c
  }

  private async fill (): Promise<void> {
    if (this.peeked != null || this.ended) return
    this.signal?.throwIfAborted()
    const r = await this.it.next()
    if (r.done === true) this.ended = true
    else this.peeked = r.value
  }
}
