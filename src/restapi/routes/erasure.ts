// Erasure-coding routes (not in upstream's API):
//
// GET /ecget/{cid}: reads an EC file back. Whether every stripe is recoverable is decided from
//   cluster state before any byte: if not, the answer is the usual error body ({code, message},
//   500, naming the stripes) and no content. Otherwise 200 with
//     Content-Type   application/octet-stream (a file: its bytes) or application/x-tar (a
//                    directory: a ustar/pax archive of its tree, paths relative to it)
//     X-EC-Kind      file | directory
//     X-EC-File-Size bytes of file content (the manifest's file_size; progress total), absent
//                    for a replicated directory
//     X-EC-Name      the pin's name, URI-encoded
//     X-EC-Stripes   stripe count;  X-EC-Degraded  stripes that lost shards (comma list)
//   and, after the body, the trailers X-Stream-Error (empty, or why the stream stopped: the
//   client must then discard what it got) and X-EC-Repair (one-line JSON EcRecoveryReport:
//   what was lost and where the rebuilt shards went).
//
// POST /ecrecovery: repairs every EC file; NDJSON, one EcRecoveryReport per EC file
//   ({cid, name, lost, rebuilt, new_holders, tree_copies?, errors?}); 204 when there are none.
//   ?check=true also audits placement after the repair and moves shards that share a peer or
//   a tag group with another shard of their stripe: each report then has `misplaced` (what was
//   found) and `moved` ({stripe, position, cid, from, to}); what cannot move is in `errors`.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ServerResponse } from 'node:http'
import { errorMessage } from '../../api/errors.js'
import { decodeCid } from '../../api/cid.js'
import type { EcRecoveryReport } from '../../api/types.js'
import type { EcRecoveryOptions } from '../../cluster/erasure/recover.js'
import { setCommonHeaders } from '../common/respond.js'
import { STREAM_ERROR_TRAILER, streamResponse, writeChunkFlushed } from '../common/stream.js'
import type { RouteContext } from './context.js'
import { hashParamsSchema } from './context.js'

export const EC_REPAIR_TRAILER = 'X-EC-Repair'

const ecRecoveryQuerySchema = {
  type: 'object',
  properties: { check: { type: 'string' } }
} as const

function hashOf (request: FastifyRequest): string {
  return decodeCid((request.params as { hash: string }).hash).toString()
}


/** Node's HTTP parser refuses header blocks over 16 KiB: a big report is cut down to fit. */
const MAX_REPAIR_TRAILER = 8192

function repairTrailer (report: EcRecoveryReport): string {
  const full = JSON.stringify(report)
  if (full.length <= MAX_REPAIR_TRAILER) return full
  const cut: EcRecoveryReport = {
    ...report,
    lost: report.lost.slice(0, 20),
    rebuilt: report.rebuilt.slice(0, 20),
    errors: [`report truncated: ${report.lost.length} shards lost, ${report.rebuilt.length} rebuilt (ecrecovery --enc=json or status show them all)`, ...(report.errors ?? []).slice(0, 5)]
  }
  return JSON.stringify(cut).slice(0, MAX_REPAIR_TRAILER)
}

function oneLine (v: string): string {
  return v.replace(/[\r\n]+/g, ' ')
}

export function erasureRoutes (app: FastifyInstance, { profile, cluster }: RouteContext): void {
  app.get('/ecget/:hash', { schema: { params: hashParamsSchema } }, async (request, reply) => {
    const signal = request.callSignal
    // throws (→ error body, no content) when the file cannot be read
    const got = await cluster.ecGet(hashOf(request), { signal })
    reply.hijack()
    const res = reply.raw
    setCommonHeaders(res, profile)
    res.setHeader('Content-Type', got.kind === 'directory' ? 'application/x-tar' : 'application/octet-stream')
    res.setHeader('Cache-Control', 'no-cache')
    res.setHeader('X-EC-Kind', got.kind)
    if (got.size != null) res.setHeader('X-EC-File-Size', String(got.size))
    res.setHeader('X-EC-Name', encodeURIComponent(got.name))
    res.setHeader('X-EC-Stripes', String(got.stripes))
    res.setHeader('X-EC-Degraded', got.degraded.join(','))
    res.setHeader('Trailer', `${STREAM_ERROR_TRAILER}, ${EC_REPAIR_TRAILER}`)
    res.writeHead(200)
    res.flushHeaders()
    const it = got.body[Symbol.asyncIterator]()
    let error = ''
    try {
      while (true) {
        const next = await it.next()
        if (next.done === true) break
        // a chunk is a view of a stripe buffer that is reused once the walk moves on: it is
        // handed to the socket before the next one is asked for (see EcGetStream.body)
        if (!await writeChunkFlushed(res, next.value)) {
          await it.return?.(undefined)
          return
        }
      }
    } catch (err) {
      error = errorMessage(err)
      profile.logger.error(`ecget ${got.cid} failed while streaming: ${error}`)
    }
    if (res.destroyed || res.writableEnded) return
    res.addTrailers({ [STREAM_ERROR_TRAILER]: oneLine(error), [EC_REPAIR_TRAILER]: oneLine(repairTrailer(got.report)) })
    res.end()
  })

  app.post('/ecrecovery', { schema: { querystring: ecRecoveryQuerySchema } }, async (request, reply) => {
    // Cluster.ecRecovery hands its options to the EC flow as they are (recover.ts)
    const options: EcRecoveryOptions = { signal: request.callSignal, check: (request.query as { check?: string }).check === 'true' }
    return streamResponse(reply, profile, cluster.ecRecovery(options))
  })
}
