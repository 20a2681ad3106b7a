// The Pinning Service API routes (upstream api/pinsvcapi), in upstream's registration order,
// plus POST /token and GET /health from the common layer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import { InvalidArgumentError, NotFoundError, errorMessage } from '../api/errors.js'
import type { Query } from '../api/params.js'
import { defaultPinOptions } from '../api/pin.js'
import type { PinOptions } from '../api/types.js'
import type { ClusterAPI } from '../cluster/api.js'
import { tokenHandler } from '../restapi/common/auth.js'
import type { ApiProfile } from '../restapi/common/profile.js'
import { sendJSON, sendNoContent, setCommonHeaders } from '../restapi/common/respond.js'
import { parsePinRequest } from './body.js'
import type { PinRequest } from './body.js'
import { pinStatusOfGlobal, pinStatusOfNewPin } from './convert.js'
import { delegatesOf } from './delegates.js'
import { listPins } from './list.js'
import { parseListOptions } from './list-options.js'
import { SvcStatus } from './status.js'

/** What this API needs from the cluster. */
export type PinSvcCluster = Pick<ClusterAPI, 'pin' | 'unpin' | 'status' | 'statusAll' | 'peers'>

export interface PinSvcContext {
  profile: ApiProfile
  cluster: PinSvcCluster
  logger: Logger
}

const requestIdParams = {
  type: 'object',
  properties: { requestid: { type: 'string' } },
  required: ['requestid']
} as const

/** The {requestid} path segment: the CID of the pin, as upstream (which warns about it). */
function requestIdOf (request: FastifyRequest): string {
  const text = (request.params as { requestid: string }).requestid
  try {
    return CID.parse(text.trim()).toString()
  } catch (err) {
    throw new InvalidArgumentError(`error decoding requestID: ${errorMessage(err)}`)
  }
}

/** Pin options of a pinsvc request: recursive, the cluster's default replication. */
function pinOptionsOf (body: PinRequest, update: string | undefined): PinOptions {
  return {
    ...defaultPinOptions(),
    mode: 'recursive',
    name: body.name,
    origins: body.origins.length > 0 ? body.origins : null,
    metadata: Object.keys(body.meta).length > 0 ? body.meta : null,
    pin_update: update ?? null
  }
}

export function pinSvcRoutes (app: FastifyInstance, { profile, cluster, logger }: PinSvcContext): void {
  app.get('/pins', async (request, reply) => {
    const opts = parseListOptions(request.query as Query)
    return sendJSON(reply, profile, await listPins(cluster, opts, request.callSignal))
  })

  // POST /pins (add) and POST /pins/{requestid} (replace) read a JSON body; the decoding is
  // ours (body.ts) so that every failure gets upstream's message.
  app.register(async scope => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })

    const addPin = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const body = parsePinRequest(typeof request.body === 'string' ? request.body : '')
      const update = (request.params as { requestid?: string }).requestid != null ? requestIdOf(request) : undefined
      const signal = request.callSignal
      const pin = await cluster.pin(body.cid, pinOptionsOf(body, update), { signal })
      // replace = pin the new CID from the old one's allocations, then drop the old one
      if (update != null && update !== pin.cid) await cluster.unpin(update, { signal })
      const delegates = await delegatesOf(pin, cluster, logger, signal)
      return sendJSON(reply, profile, pinStatusOfNewPin(body.cid, pin, delegates))
    }
    scope.post('/pins', addPin)
    scope.post('/pins/:requestid', { schema: { params: requestIdParams } }, addPin)
  })

  app.get('/pins/:requestid', { schema: { params: requestIdParams } }, async (request, reply) => {
    const cid = requestIdOf(request)
    const { status, value } = pinStatusOfGlobal(cid, await cluster.status(cid, false, { signal: request.callSignal }))
    // unpinning, or not in the pinset at all
    if (status === SvcStatus.undefined) throw new NotFoundError('pin not found')
    return sendJSON(reply, profile, value)
  })

  app.delete('/pins/:requestid', { schema: { params: requestIdParams } }, async (request, reply) => {
    await cluster.unpin(requestIdOf(request), { signal: request.callSignal })
    // the spec's 202 Accepted: the unpin is committed, the peers will act on it
    setCommonHeaders(reply.raw, profile)
    return reply.code(202).send()
  })

  app.post('/token', tokenHandler(profile))

  app.get('/health', async (_request, reply) => sendNoContent(reply, profile))
}
