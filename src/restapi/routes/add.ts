// POST /add: a kubo-style multipart upload imported and pinned by the cluster.
// Streaming (the default): 200 and the headers go out before the import starts, each
// AddedOutput is a flushed NDJSON line, and a failure half-way can only be reported in the
// X-Stream-Error trailer. stream-channels=false buffers: a JSON array, or 500 + error body.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { InvalidArgumentError, errorMessage } from '../../api/errors.js'
import { addParamsFromQuery } from '../../api/params.js'
import type { Query } from '../../api/params.js'
import type { AddedOutput } from '../../api/types.js'
import { parseMultipart } from '../../adder/multipart.js'
import { jsonLine, sendError, setCommonHeaders } from '../common/respond.js'
import { NdjsonWriter } from '../common/stream.js'
import type { RouteContext } from './context.js'

/** Go's Request.MultipartReader checks, with its error texts. */
export function checkMultipart (contentType: string | undefined): void {
  const [type, ...params] = (contentType ?? '').split(';').map(s => s.trim())
  const media = type.toLowerCase()
  if (media !== 'multipart/form-data' && media !== 'multipart/mixed') {
    throw new InvalidArgumentError("request Content-Type isn't multipart/form-data")
  }
  if (!params.some(p => /^boundary=./i.test(p))) throw new InvalidArgumentError('no multipart boundary param in Content-Type')
}

export function addRoutes (app: FastifyInstance, { profile, cluster }: RouteContext): void {
  app.post('/add', async (request: FastifyRequest, reply: FastifyReply) => {
    const contentType = request.headers['content-type']
    checkMultipart(contentType)
    const params = addParamsFromQuery(request.query as Query)
    const signal = request.signal
    const entries = parseMultipart(request.raw, contentType, { signal })
    const outputs = cluster.add(entries, params, { signal })

    if (!params.stream_channels) {
      const all: AddedOutput[] = []
      try {
        for await (const out of outputs) all.push(out)
      } catch (err) {
        profile.logger.error(`add failed: ${errorMessage(err)}`)
        reply.raw.setHeader('Cache-Control', 'no-cache')
        reply.raw.setHeader('Connection', 'close')
        return sendError(reply, profile, err, 500)
      }
      setCommonHeaders(reply.raw, profile)
      return reply.code(200).headers({ 'Cache-Control': 'no-cache', Connection: 'close' })
        .type('application/json').send(jsonLine(all))
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
    }
    writer.end(errors)
  })
}
