// Streaming answers (upstream's StreamResponse and the /add output): NDJSON, one JSON value per
// line, written as items are produced, with errors after the first item reported in the
// `X-Stream-Error` trailer. The trailer is announced up front and always sent (empty when all
// went well) because browsers' fetch cannot tell "no trailer" from "no error".
import type { FastifyReply } from 'fastify'
import type { ServerResponse } from 'node:http'
import { errorMessage } from '../../api/errors.js'
import type { ApiProfile } from './profile.js'
import { jsonLine, sendError, sendNoContent, setCommonHeaders } from './respond.js'

export const STREAM_ERROR_TRAILER = 'X-Stream-Error'

/**
 * JSON characters of lines gathered before they are written (well under the 128 KiB past which
 * V8 gives a string pages of its own). A write per line was a chunk of the HTTP body each, its
 * size line and CRLFs included, and most of the API peer's output cost in a listing of every pin.
 */
const GATHER_CHARS = 32 * 1024

/**
 * Writes NDJSON lines on a raw response, respecting backpressure. Lines written in the same turn
 * of the event loop go out together, as one chunk of the body; none waits past that turn, so a
 * slow producer's lines (an add's progress) still go out one by one as they come.
 */
export class NdjsonWriter {
  private readonly res: ServerResponse
  private gathered = ''
  private flushQueued = false
  private readonly flushBound = (): void => {
    this.flushQueued = false
    this.flush()
  }

  constructor (res: ServerResponse) {
    this.res = res
  }

  /** Sends the status line and headers now, before any item exists (the /add behaviour). */
  start (status: number, headers: Record<string, string> = {}): void {
    for (const [k, v] of Object.entries(headers)) this.res.setHeader(k, v)
    this.res.setHeader('Trailer', STREAM_ERROR_TRAILER)
    this.res.writeHead(status)
    this.res.flushHeaders()
  }

  /** False once the client is gone: the producer should stop. */
  get open (): boolean {
    return !this.res.destroyed && !this.res.writableEnded
  }

  async write (item: unknown): Promise<boolean> {
    if (!this.open) return false
    // an earlier flush left the socket full: wait for its drain, so that memory stays bounded
    if (this.res.writableNeedDrain) await drained(this.res)
    if (!this.open) return false
    this.gathered += jsonLine(item)
    if (this.gathered.length >= GATHER_CHARS) {
      this.flush()
    } else if (!this.flushQueued) {
      this.flushQueued = true
      setImmediate(this.flushBound)
    }
    return this.open
  }

  /** Writes the gathered lines (the next write waits if the socket asks for a drain). */
  private flush (): void {
    if (this.gathered === '' || !this.open) return
    const lines = this.gathered
    this.gathered = ''
    this.res.write(lines)
  }

  /** Ends the body with the X-Stream-Error trailer: empty, or one value per error. */
  end (errors: string[] = []): void {
    if (!this.open) return
    this.flush()
    const values = errors.length > 0 ? errors : ['']
    this.res.addTrailers(values.map((v): [string, string] => [STREAM_ERROR_TRAILER, v.replace(/[\r\n]+/g, ' ')]))
    this.res.end()
  }
}

/**
 * Streams an async iterable as NDJSON (upstream's StreamResponse): a failure before the first
 * item → 500 + error body; an empty stream → 204; otherwise 200 and a line per item. (Upstream
 * also announces the trailer on the 500 and 204 answers, which carry none; Node refuses a
 * Trailer header on responses that are not chunked, so only the 200 announces it.)
 */
export async function streamResponse (reply: FastifyReply, profile: ApiProfile, items: AsyncIterable<unknown>): Promise<void> {
  const it = items[Symbol.asyncIterator]()
  let first: IteratorResult<unknown>
  try {
    first = await it.next()
  } catch (err) {
    sendError(reply, profile, err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : err, 500)
    return
  }
  if (first.done === true) {
    sendNoContent(reply, profile)
    return
  }
  reply.hijack()
  setCommonHeaders(reply.raw, profile)
  const out = new NdjsonWriter(reply.raw)
  out.start(200)
  const errors: string[] = []
  try {
    let next: IteratorResult<unknown> = first
    while (next.done !== true) {
      if (!await out.write(next.value)) break
      next = await it.next()
    }
  } catch (err) {
    // several failures (e.g. per-CID status calls) become several trailer values, as upstream
    const all = err instanceof AggregateError ? err.errors : [err]
    for (const e of all) errors.push(errorMessage(e))
    profile.logger.error(`error while streaming response: ${errors.join('; ')}`)
  } finally {
    // the client left (or an error happened): let the producer release what it holds
    if (!out.open) await it.return?.().catch(() => {})
  }
  out.end(errors)
}

/**
 * Writes raw bytes and resolves once the socket has taken them (the write's callback), not
 * merely queued them: the caller may then reuse the memory the chunk is a view of. False once
 * the client is gone.
 */
export async function writeChunkFlushed (res: ServerResponse, chunk: Uint8Array): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return false
  await new Promise<void>(resolve => {
    const done = (): void => {
      res.off('close', done)
      resolve()
    }
    res.on('close', done)
    res.write(chunk, done)
  })
  return !res.destroyed && !res.writableEnded
}

/** Writes raw bytes respecting backpressure; false once the client is gone. */
export async function writeChunk (res: ServerResponse, chunk: Uint8Array): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return false
  if (!res.write(chunk)) await drained(res)
  return !res.destroyed && !res.writableEnded
}

/** Resolves at the response's next drain, or when it closes. */
async function drained (res: ServerResponse): Promise<void> {
  await new Promise<void>(resolve => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}
