// Upstream answers any path with a trailing "/" with a 307 to the same URL without it (a 307,
// not mux's 301, so that POST stays POST: upstream issue #1415). The query is kept.
import type { FastifyReply, FastifyRequest } from 'fastify'

export async function strictSlashHook (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const url = request.url
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  // "/" itself has nothing to strip (upstream would redirect it to itself)
  if (path.length <= 1 || !path.endsWith('/')) return undefined
  const location = path.slice(0, -1) + (q < 0 ? '' : url.slice(q))
  return reply.code(307).header('Location', location).send()
}
