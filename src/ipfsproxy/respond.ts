// Writing kubo-shaped answers on a raw node:http response: JSON values, kubo errors, and
// streams of JSON lines whose late failures go to the X-Stream-Error trailer (kubo's own way).
import type { ServerResponse } from 'node:http'
import { errorMessage } from '../api/errors.js'
import { kuboErrorBody } from './errors.js'
import { NdjsonWriter } from '../restapi/common/stream.js'

export function sendJson (res: ServerResponse, value: unknown, status = 200): void {
  const body = JSON.stringify(value) + '\n'
  res.setHeader('Content-Type', 'application/json')
  res.writeHead(status)
  res.end(body)
}

export function sendKuboError (res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    // too late for a status: the error can only cut the answer short
    res.destroy(new Error(errorMessage(err)))
    return
  }
  const { status, body } = kuboErrorBody(err)
  sendJson(res, body, status)
}

/**
 * Streams items as JSON lines. The 200 goes out with the first item, so an error before it is
 * an ordinary kubo error answer; errors after it (and `errors` collected by the producer) go to
 * the trailer.
 */
export async function streamJson (res: ServerResponse, items: AsyncIterable<unknown>, trailerErrors: string[] = []): Promise<void> {
  const writer = new NdjsonWriter(res)
  let started = false
  const start = (): void => {
    if (started) return
    started = true
    res.setHeader('Content-Type', 'application/json')
    writer.start(200, { 'X-Chunked-Output': '1' })
  }
  try {
    for await (const item of items) {
      start()
      if (!await writer.write(item)) return
    }
  } catch (err) {
    if (!started) {
      sendKuboError(res, err)
      return
    }
    trailerErrors.push(errorMessage(err))
  }
  start()
  writer.end(trailerErrors)
}

import { writeChunk } from '../restapi/common/stream.js'
export { writeChunk }

/**
 * Streams bytes (cat, get, dag/export) as kubo does: X-Stream-Output, the 200 with the first
 * chunk, so a failure before it is an ordinary kubo error answer and a later one goes to the
 * X-Stream-Error trailer.
 */
export async function streamBytes (res: ServerResponse, chunks: AsyncIterable<Uint8Array>, contentType = 'text/plain', headers: Record<string, string> = {}): Promise<void> {
  const writer = new NdjsonWriter(res)
  const it = chunks[Symbol.asyncIterator]()
  let first: IteratorResult<Uint8Array>
  try {
    first = await it.next()
  } catch (err) {
    sendKuboError(res, err)
    return
  }
  res.setHeader('Content-Type', contentType)
  res.setHeader('X-Stream-Output', '1')
  writer.start(200, headers)
  const errors: string[] = []
  try {
    for (let r = first; r.done !== true; r = await it.next()) {
      if (!await writeChunk(res, r.value)) {
        await it.return?.()
        return
      }
    }
  } catch (err) {
    errors.push(errorMessage(err))
  }
  writer.end(errors)
}
