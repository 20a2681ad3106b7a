// Operations and observability: POST /ipfs/gc, /health/*, /monitor/metrics*, POST /token,
// GET /health (never authenticated, see common/auth.ts).
import type { FastifyInstance } from 'fastify'
import { tokenHandler } from '../common/auth.js'
import { sendJSON, sendNoContent } from '../common/respond.js'
import type { RouteContext } from './context.js'
import { isLocal, localQuerySchema } from './context.js'

export function healthRoutes (app: FastifyInstance, { profile, cluster }: RouteContext): void {
  app.post('/ipfs/gc', { schema: { querystring: localQuerySchema } }, async (request, reply) =>
    sendJSON(reply, profile, await cluster.repoGC(isLocal(request.query), { signal: request.callSignal })))

  app.get('/health/graph', async (request, reply) =>
    sendJSON(reply, profile, await cluster.connectGraph({ signal: request.callSignal })))

  app.get('/health/alerts', async (_request, reply) => sendJSON(reply, profile, cluster.alerts()))

  app.get('/health/bandwidth', async (request, reply) => {
    return sendJSON(reply, profile, await cluster.bandwidthByProtocol({ signal: request.callSignal }))
  })

  app.get('/monitor/metrics/:name', {
    schema: { params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } }
  }, async (request, reply) => sendJSON(reply, profile, cluster.latestMetrics((request.params as { name: string }).name)))

  app.get('/monitor/metrics', async (_request, reply) => sendJSON(reply, profile, cluster.metricNames()))

  app.post('/token', tokenHandler(profile))

  app.get('/health', async (_request, reply) => sendNoContent(reply, profile))
}
