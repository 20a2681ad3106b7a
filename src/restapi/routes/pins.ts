// The pinset and its status: /allocations, /pins and its sub-routes.
// Route precedence is upstream's: POST /pins/recover is RecoverAll; any other single segment
// after /pins/ is a {hash}; /pins/{ipfs|ipns|ipld}/… (two segments or more) is a path.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { InvalidArgumentError } from '../../api/errors.js'
import { decodeCid } from '../../api/cid.js'
import { pinOptionsFromQuery } from '../../api/params.js'
import type { Query } from '../../api/params.js'
import { ALL_PIN_TYPES, PinTypes, TrackerStatusFilters } from '../../api/types.js'
import type { GlobalPinInfo } from '../../api/types.js'
import { sendJSON } from '../common/respond.js'
import { streamResponse } from '../common/stream.js'
import type { RouteContext } from './context.js'
import { hashParamsSchema, isLocal, localQuerySchema } from './context.js'
import { PATH_NAMESPACES, parsePinPath } from './pin-path.js'
import type { PathNamespace } from './pin-path.js'

const INVALID_FILTER = 'invalid filter value'

function hashOf (request: FastifyRequest): string {
  return decodeCid((request.params as { hash: string }).hash).toString()
}

/** Upstream's PinTypeFromString over a comma list: unknown names add the bad-type bit. */
export function pinTypeMask (filter: string | undefined): number {
  let mask = 0
  for (const f of (filter ?? '').split(',')) {
    if (f === '' || f === 'all') mask |= ALL_PIN_TYPES
    else mask |= (PinTypes as Record<string, number>)[f] ?? PinTypes['bad-type']
  }
  if (mask === PinTypes['bad-type']) throw new InvalidArgumentError(INVALID_FILTER)
  return mask
}

/** Upstream's TrackerStatusFromString: known names OR-ed, spaces stripped, unknown ignored. */
export function trackerStatusMask (filter: string | undefined): number {
  let mask = 0
  for (const f of (filter ?? '').split(',')) mask |= TrackerStatusFilters[f.replace(/\s/g, '')] ?? 0
  if (mask === 0 && filter != null && filter !== '') throw new InvalidArgumentError(INVALID_FILTER)
  return mask
}

/**
 * Status of several CIDs at once, yielded in completion order; the failures are thrown
 * together at the end (an AggregateError: one X-Stream-Error trailer value each).
 */
async function * statusOfCids (cids: string[], call: (cid: string) => Promise<GlobalPinInfo>): AsyncIterable<GlobalPinInfo> {
  const pending = new Map<number, Promise<{ i: number, value?: GlobalPinInfo, error?: unknown }>>()
  cids.forEach((cid, i) => {
    pending.set(i, call(cid).then(value => ({ i, value }), error => ({ i, error })))
  })
  const errors: unknown[] = []
  while (pending.size > 0) {
    const r = await Promise.race(pending.values())
    pending.delete(r.i)
    if (r.error !== undefined) errors.push(r.error)
    else if (r.value !== undefined) yield r.value
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new AggregateError(errors, 'status calls failed')
}

export function pinRoutes (app: FastifyInstance, { profile, cluster }: RouteContext): void {
  app.get('/allocations', {
    schema: { querystring: { type: 'object', properties: { filter: { type: 'string' } } } }
  }, async (request, reply) => {
    const mask = pinTypeMask((request.query as Query).filter)
    return streamResponse(reply, profile, cluster.pins(mask, { signal: request.callSignal }))
  })

  app.get('/allocations/:hash', { schema: { params: hashParamsSchema } }, async (request, reply) =>
    sendJSON(reply, profile, await cluster.pinGet(hashOf(request), { signal: request.callSignal })))

  app.get('/pins', {
    schema: {
      querystring: {
        type: 'object',
        properties: { local: { type: 'string' }, filter: { type: 'string' }, cids: { type: 'string' } }
      }
    }
  }, async (request, reply) => {
    const q = request.query as Query
    const local = isLocal(q)
    const signal = request.callSignal
    if (q.cids != null && q.cids !== '') {
      // every CID is checked before any call is made
      const cids = q.cids.split(',').map(c => decodeCid(c).toString())
      return streamResponse(reply, profile, statusOfCids(cids, cid => cluster.status(cid, local, { signal })))
    }
    const filter = trackerStatusMask(q.filter)
    return streamResponse(reply, profile, cluster.statusAll(filter, local, { signal }))
  })

  app.post('/pins/recover', { schema: { querystring: localQuerySchema } }, async (request, reply) =>
    streamResponse(reply, profile, cluster.recoverAll(isLocal(request.query), { signal: request.callSignal })))

  app.post('/pins/:hash/recover', { schema: { params: hashParamsSchema, querystring: localQuerySchema } }, async (request, reply) =>
    sendJSON(reply, profile, await cluster.recover(hashOf(request), isLocal(request.query), { signal: request.callSignal })))

  app.get('/pins/:hash', { schema: { params: hashParamsSchema, querystring: localQuerySchema } }, async (request, reply) =>
    sendJSON(reply, profile, await cluster.status(hashOf(request), isLocal(request.query), { signal: request.callSignal })))

  // Unlike upstream, a bad PinOptions query stops the request (upstream answers 400 and still
  // pins), and mode=direct is honoured (upstream forces max_depth -1 on this route).
  app.post('/pins/:hash', { schema: { params: hashParamsSchema } }, async (request, reply) => {
    const cid = hashOf(request)
    const options = pinOptionsFromQuery(request.query as Query)
    return sendJSON(reply, profile, await cluster.pin(cid, options, { signal: request.callSignal }))
  })

  app.delete('/pins/:hash', { schema: { params: hashParamsSchema } }, async (request, reply) =>
    sendJSON(reply, profile, await cluster.unpin(hashOf(request), { signal: request.callSignal })))

  for (const ns of PATH_NAMESPACES) {
    const pathOf = (request: FastifyRequest): string => parsePinPath(ns as PathNamespace, (request.params as { '*': string })['*'])
    app.post(`/pins/${ns}/*`, async (request, reply) => {
      const path = pathOf(request)
      const options = pinOptionsFromQuery(request.query as Query)
      return sendJSON(reply, profile, await cluster.pinPath(path, options, { signal: request.callSignal }))
    })
    app.delete(`/pins/${ns}/*`, async (request, reply) =>
      sendJSON(reply, profile, await cluster.unpinPath(pathOf(request), { signal: request.callSignal })))
  }
}
