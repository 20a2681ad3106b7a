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
import { UploadBody } from '../../adder/upload-body.js'
import { sendError, sendJSON, setCommonHeaders } from '../common/respond.js'
import { NdjsonWriter } from '../common/stream.js'
import type { RouteContext } from './context.js'

export function addRoutes (app: FastifyInstance, { profile, cluster }: RouteContext): void {
  app.post('/add', async (request: FastifyRequest, reply: FastifyReply) => {
    const contentType = request.headers['content-type']
    // checked before anything is sent: the 400 of a non-multipart body (Go's texts)
    multipartBoundary(contentType)
    const params = addParamsFromQuery(request.query as Query)
    const signal = request.callSignal
    const upload = new UploadBody(request.raw)
    const entries = parseMultipart(upload, contentType, { signal })
    const outputs = cluster.add(entries, params, { signal })

    if (!params.stream_channels) {
      const all: AddedOutput[] = []
      try {
        for await (const out of outputs) all.push(out)
      } catch (err) {
        profile.logger.error(`add failed: ${errorMessage(err)}`)
        await upload.dropRest()
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
      await upload.dropRest()
    }
    writer.end(errors)
  })
}
