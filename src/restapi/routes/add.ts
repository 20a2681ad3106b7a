// POST /add: a kubo-style multipart upload imported and pinned by the cluster.
// Streaming (the default): 200 and the headers go out before the import starts, each
// AddedOutput is a flushed NDJSON line, and a failure half-way can only be reported in the
// X-Stream-Error trailer. stream-channels=false buffers: a JSON array, or 500 + error body.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errorMessage } from '../../api/errors.js'
import { addParamsFromQuery } from '../../api/params.js'
import type { Query } from '../../api/params.js'
import type { AddedOutput } from '../../api/types.js'
import { multipartBoundary, parseMultipart } from '../../adder/multipart.js'
import { sendError, sendJSON, setCommonHeaders } from '../common/respond.js'
import { NdjsonWriter } from '../common/stream.js'
import type { RouteContext } from './context.js'

/**
 * How long a failed add goes on reading (and dropping) the rest of the upload before it answers.
 * The answer closes the connection, and a socket closed while the client's bytes still arrive is
 * reset (TCP RST), which can throw away the answer before the client has read it: cluster-ctl
 * then said "error reading response: aborted" (or "write EPIPE") instead of why the add failed
 * (seen in the write-quorum test, where the add fails with most of the file still to come). Go's
 * server waits before such a close for the same reason. A client that stops sending is not
 * waited for past this.
 */
const DROP_UPLOAD_MS = 10_000

/** Reads the rest of the body and drops it, for at most `ms` (see DROP_UPLOAD_MS). */
async function dropRestOfUpload (body: AsyncIterator<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeUp = new Promise<'time'>(resolve => { timer = setTimeout(() => { resolve('time') }, ms) })
  try {
    for (;;) {
      const r = await Promise.race([body.next(), timeUp])
      if (r === 'time' || r.done === true) return
    }
  } catch {
    // the client went away: nothing is left to protect
  } finally {
    clearTimeout(timer)
  }
}

export function addRoutes (app: FastifyInstance, { profile, cluster }: RouteContext): void {
  app.post('/add', async (request: FastifyRequest, reply: FastifyReply) => {
    const contentType = request.headers['content-type']
    // checked before anything is sent: the 400 of a non-multipart body (Go's texts)
    multipartBoundary(contentType)
    const params = addParamsFromQuery(request.query as Query)
    const signal = request.callSignal
    // the body's one reader: the parser, and after a failure dropRestOfUpload
    const body = request.raw[Symbol.asyncIterator]()
    const entries = parseMultipart({ [Symbol.asyncIterator]: () => body }, contentType, { signal })
    const outputs = cluster.add(entries, params, { signal })

    if (!params.stream_channels) {
      const all: AddedOutput[] = []
      try {
        for await (const out of outputs) all.push(out)
      } catch (err) {
        profile.logger.error(`add failed: ${errorMessage(err)}`)
        await dropRestOfUpload(body, DROP_UPLOAD_MS)
        reply.raw.setHeader('Cache-Control', 'no-cache')
        reply.raw.setHeader('Connection', 'close')
        return sendError(reply, profile, err, 500)
      }
      reply.headers({ 'Cache-Control': 'no-cache', Connection: 'close' })
      return sendJSON(reply, profile, all)
    }

    reply.hijack()
    setCommonHeaders(reply.raw, profile)
    const writer = new NdjsonWriter(reply.raw)
    writer.start(200, { 'Cache-Control': 'no-cache', Connection: 'close', 'X-Chunked-Output': '1' })
    const errors: string[] = []
    try {
      for await (const out of outputs) {
        if (!await writer.write(out)) break
      }
    } catch (err) {
      profile.logger.error(`add failed: ${errorMessage(err)}`)
      errors.push(errorMessage(err))
      await dropRestOfUpload(body, DROP_UPLOAD_MS)
    }
    writer.end(errors)
  })
}
