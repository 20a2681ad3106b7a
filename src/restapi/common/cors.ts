// CORS with the semantics of github.com/rs/cors, which upstream uses: a preflight (OPTIONS with
// Access-Control-Request-Method) is answered here with 204 whether or not it is allowed (only
// the headers say so); other requests get the CORS headers and continue. Empty origin, method
// and header lists mean the library defaults.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ServerResponse } from 'node:http'
import type { HttpApiConfig } from './config.js'

/** Go's http.CanonicalHeaderKey: "x-requested-with" → "X-Requested-With". */
export function canonicalHeaderKey (h: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(h)) return h
  return h.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase())
}

interface OriginPattern {
  prefix: string
  suffix: string
}

export class CorsPolicy {
  private readonly allOrigins: boolean
  private readonly origins: string[] = []
  private readonly patterns: OriginPattern[] = []
  private readonly methods: string[]
  private readonly allHeaders: boolean
  private readonly headers: string[]
  private readonly exposed: string[]
  private readonly credentials: boolean
  private readonly maxAgeSecs: number

  constructor (cfg: HttpApiConfig) {
    this.allOrigins = cfg.cors_allowed_origins.length === 0
    for (const o of cfg.cors_allowed_origins.map(o => o.toLowerCase())) {
      if (o === '*') {
        this.allOrigins = true
        break
      }
      const star = o.indexOf('*')
      if (star >= 0) this.patterns.push({ prefix: o.slice(0, star), suffix: o.slice(star + 1) })
      else this.origins.push(o)
    }
    this.methods = cfg.cors_allowed_methods.length === 0
      ? ['GET', 'POST', 'HEAD']
      : cfg.cors_allowed_methods.map(m => m.toUpperCase())
    const headers = cfg.cors_allowed_headers.length === 0
      ? ['Origin', 'Accept', 'Content-Type', 'X-Requested-With']
      : [...cfg.cors_allowed_headers, 'Origin']
    this.allHeaders = headers.includes('*')
    this.headers = headers.map(canonicalHeaderKey)
    this.exposed = cfg.cors_exposed_headers.map(canonicalHeaderKey)
    this.credentials = cfg.cors_allow_credentials
    this.maxAgeSecs = Math.floor(cfg.cors_max_age / 1000)
  }

  private originAllowed (origin: string): boolean {
    if (this.allOrigins) return true
    const o = origin.toLowerCase()
    return this.origins.includes(o) ||
      this.patterns.some(p => o.length >= p.prefix.length + p.suffix.length && o.startsWith(p.prefix) && o.endsWith(p.suffix))
  }

  private methodAllowed (method: string): boolean {
    const m = method.toUpperCase()
    return m === 'OPTIONS' || this.methods.includes(m)
  }

  private headersAllowed (requested: string[]): boolean {
    return this.allHeaders || requested.every(h => this.headers.includes(h))
  }

  private allowOrigin (res: ServerResponse, origin: string): void {
    // with credentials a literal "*" is useless to browsers, so the origin is echoed back
    res.setHeader('Access-Control-Allow-Origin', this.allOrigins && !this.credentials ? '*' : origin)
  }

  /** Sets the preflight answer's headers (the caller answers 204). */
  preflight (req: FastifyRequest, res: ServerResponse): void {
    res.appendHeader('Vary', ['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers'])
    const origin = header(req, 'origin')
    if (origin === '' || !this.originAllowed(origin)) return
    const method = header(req, 'access-control-request-method')
    if (!this.methodAllowed(method)) return
    const requested = header(req, 'access-control-request-headers')
      .split(',').map(h => h.trim()).filter(h => h !== '').map(canonicalHeaderKey)
    if (!this.headersAllowed(requested)) return
    this.allowOrigin(res, origin)
    res.setHeader('Access-Control-Allow-Methods', method.toUpperCase())
    if (requested.length > 0) res.setHeader('Access-Control-Allow-Headers', requested.join(', '))
    if (this.credentials) res.setHeader('Access-Control-Allow-Credentials', 'true')
    if (this.maxAgeSecs > 0) res.setHeader('Access-Control-Max-Age', String(this.maxAgeSecs))
  }

  /** Sets the headers of an actual (non-preflight) request. */
  actual (req: FastifyRequest, res: ServerResponse): void {
    res.appendHeader('Vary', 'Origin')
    const origin = header(req, 'origin')
    if (origin === '' || !this.originAllowed(origin) || !this.methodAllowed(req.method)) return
    this.allowOrigin(res, origin)
    if (this.exposed.length > 0) res.setHeader('Access-Control-Expose-Headers', this.exposed.join(', '))
    if (this.credentials) res.setHeader('Access-Control-Allow-Credentials', 'true')
  }
}

function header (req: FastifyRequest, name: string): string {
  const v = req.headers[name]
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '')
}

/** The onRequest hook: answers preflights, decorates everything else. */
export function corsHook (cfg: HttpApiConfig) {
  const policy = new CorsPolicy(cfg)
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (request.method === 'OPTIONS' && header(request, 'access-control-request-method') !== '') {
      policy.preflight(request, reply.raw)
      return reply.code(204).send()
    }
    policy.actual(request, reply.raw)
    return undefined
  }
}
