// Authentication of the common APIs (upstream's authHandler and GenerateTokenHandler): when
// basic_auth_credentials is set, every request except OPTIONS and /health needs either Basic
// credentials of a configured user or a Bearer JWT issued for one (see jwt.ts).
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ApiProfile } from './profile.js'
import { AUTH_REALM } from './profile.js'
import { sendError, sendJSON } from './respond.js'
import { signToken, verifyToken } from './jwt.js'
import { urlPath } from './url.js'

export interface BasicCredentials {
  user: string
  password: string
}

/** Go's Request.BasicAuth: "Basic " (any case) + base64 "user:password". */
export function parseBasicAuth (header: string | undefined): BasicCredentials | undefined {
  if (header == null || header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return undefined
  const b64 = header.slice(6)
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined
  const text = Buffer.from(b64, 'base64').toString('utf8')
  const i = text.indexOf(':')
  if (i < 0) return undefined
  return { user: text.slice(0, i), password: text.slice(i + 1) }
}

export function parseBearer (header: string | undefined): string | undefined {
  if (header == null || header.length < 7 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined
  return header.slice(7)
}

function verifyBasic (credentials: Record<string, string>, c: BasicCredentials): boolean {
  if (c.user === '' || c.password === '') return false
  return Object.hasOwn(credentials, c.user) && credentials[c.user] === c.password
}

function challenge (scheme: 'Basic' | 'Bearer', error?: string): string {
  return `${scheme} realm="${AUTH_REALM}"` + (error != null ? `, error="${error}"` : '')
}

/** The onRequest hook enforcing authentication; undefined when no credentials are configured. */
export function authHook (profile: ApiProfile): ((request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>) | undefined {
  const credentials = profile.config.basic_auth_credentials
  if (credentials == null) return undefined
  return async (request, reply) => {
    // CORS preflights carry no credentials; /health is for load balancers
    if (request.method === 'OPTIONS' || urlPath(request.url) === '/health') return undefined
    const header = request.headers.authorization
    const basic = parseBasicAuth(header)
    const bearer = parseBearer(header)
    if (basic != null) {
      if (verifyBasic(credentials, basic)) return undefined
      reply.raw.setHeader('WWW-Authenticate', challenge('Basic'))
      return sendError(reply, profile, new Error('unauthorized: access denied'), 401)
    }
    if (bearer != null) {
      try {
        verifyToken(credentials, bearer)
        return undefined
      } catch (err: any) {
        profile.logger.debug(`invalid token: ${err.message}`)
        reply.raw.setHeader('WWW-Authenticate', challenge('Bearer', 'invalid_token'))
        return sendError(reply, profile, new Error('unauthorized: invalid token'), 401)
      }
    }
    reply.raw.setHeader('WWW-Authenticate', [challenge('Bearer'), challenge('Basic')])
    return sendError(reply, profile, new Error('unauthorized: no auth provided'), 401)
  }
}

/**
 * POST /token: a JWT for the authenticated user (Basic) or for the issuer of the presented
 * token. The auth hook has already checked the credentials.
 */
export function tokenHandler (profile: ApiProfile) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const credentials = profile.config.basic_auth_credentials
    const unauthorized = (): FastifyReply => sendError(reply, profile, new Error('unauthorized'), 401)
    if (credentials == null) return unauthorized()
    const header = request.headers.authorization
    const basic = parseBasicAuth(header)
    const bearer = parseBearer(header)
    let issuer: string
    if (basic != null) {
      issuer = basic.user
    } else if (bearer != null) {
      try {
        const iss = verifyToken(credentials, bearer).iss
        if (iss == null) return unauthorized()
        issuer = iss
      } catch {
        return unauthorized()
      }
    } else {
      return unauthorized()
    }
    if (!Object.hasOwn(credentials, issuer)) return unauthorized()
    return sendJSON(reply, profile, { token: signToken(issuer, credentials[issuer]) })
  }
}
