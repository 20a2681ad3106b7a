// GET /id, GET /version, GET /peers, POST /peers, DELETE /peers/{peer}.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidArgumentError, errorMessage } from '../../api/errors.js'
import { sendJSON, sendNoContent } from '../common/respond.js'
import { streamResponse } from '../common/stream.js'
import type { RouteContext } from './context.js'

const BAD_BODY = 'error decoding request body'

function decodePeer (text: string, message: string): string {
  try {
    return peerIdFromString(text).toString()
  } catch (err) {
    throw new InvalidArgumentError(message.replace('%s', errorMessage(err)))
  }
}

export function peerRoutes (app: FastifyInstance, { profile, cluster }: RouteContext): void {
  app.get('/id', async (request, reply) => sendJSON(reply, profile, await cluster.id({ signal: request.callSignal })))

  app.get('/version', async (_request, reply) => sendJSON(reply, profile, { version: cluster.version() }))

  app.get('/peers', async (request, reply) => streamResponse(reply, profile, cluster.peers({ signal: request.callSignal })))

  // POST /peers reads a JSON body; its parser lives in its own scope so that the other routes
  // keep receiving raw bodies.
  app.register(async scope => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string))
      } catch {
        done(new InvalidArgumentError(BAD_BODY), undefined)
      }
    })
    scope.post('/peers', {
      schema: {
        body: { type: ['object', 'null'], properties: { peer_id: { type: 'string' } } }
      },
      config: { badRequestMessage: BAD_BODY }
    }, async (request: FastifyRequest, reply: FastifyReply) => {
      // an empty body is io.EOF for upstream's json.Decoder
      if (request.body === undefined) throw new InvalidArgumentError(BAD_BODY)
      const body = request.body as { peer_id?: string } | null
      const peer = decodePeer(body?.peer_id ?? '', 'error decoding peer_id')
      return sendJSON(reply, profile, await cluster.peerAdd(peer, { signal: request.callSignal }))
    })
  })

  app.delete('/peers/:peer', {
    schema: { params: { type: 'object', properties: { peer: { type: 'string' } }, required: ['peer'] } }
  }, async (request, reply) => {
    const peer = decodePeer((request.params as { peer: string }).peer, 'error decoding Peer ID: %s')
    await cluster.peerRemove(peer, { signal: request.callSignal })
    return sendNoContent(reply, profile)
  })
}
