// The common HTTP API server (upstream's api/common): listeners, the handler chain and the
// per-request plumbing every API built on it gets. The handler chain, outermost first, is as
// upstream's: access log → auth → CORS → strict slash → router. A component supplies its
// profile (config, loggers, error body) and registers its routes.
import Fastify from 'fastify'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { AccessLog } from './access-log.js'
import { authHook } from './auth.js'
import { corsHook } from './cors.js'
import { Libp2pHttpEndpoint } from './libp2p-http.js'
import { startListeners, stopListeners } from './listeners.js'
import type { Listener } from './listeners.js'
import type { ApiProfile } from './profile.js'
import { sendError } from './respond.js'
import { RouteTable } from './routes.js'
import { strictSlashHook } from './strict-slash.js'
import { parseQuery, urlPath } from './url.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** aborted when the client disconnects before the answer is complete, or on shutdown */
    callSignal: AbortSignal
  }
  interface FastifyContextConfig {
    /** message of the 400 answered when the route's schema validation fails */
    badRequestMessage?: string
  }
}

/** How long stop() lets requests in flight finish before cutting their connections. */
const SHUTDOWN_GRACE_MS = 2_000

export type RegisterRoutes = (app: FastifyInstance) => void | Promise<void>

export class HttpApiServer {
  private readonly profile: ApiProfile
  private readonly registerRoutes: RegisterRoutes
  private readonly inflight = new Set<AbortController>()
  private app?: FastifyInstance
  private listeners: Listener[] = []
  private libp2p?: Libp2pHttpEndpoint
  private accessLog?: AccessLog

  constructor (profile: ApiProfile, registerRoutes: RegisterRoutes) {
    this.profile = profile
    this.registerRoutes = registerRoutes
  }

  /** The bound HTTP listen multiaddrs (real ports when 0 was configured). */
  get addresses (): string[] {
    return this.listeners.map(l => l.address)
  }

  /** The libp2p-HTTP endpoint's multiaddrs (with /p2p/<id>); empty when not configured. */
  get libp2pAddresses (): string[] {
    return this.libp2p?.addresses ?? []
  }

  async start (): Promise<void> {
    if (this.app != null) throw new Error(`${this.profile.name} already started`)
    const app = await this.build()
    this.app = app
    const accessLog = new AccessLog(this.profile)
    this.accessLog = accessLog
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      accessLog.track(req, res)
      app.routing(req, res)
    }
    try {
      this.listeners = await startListeners(this.profile.config, handler)
      if (this.profile.config.libp2p_listen_multiaddress.length > 0) {
        this.libp2p = await Libp2pHttpEndpoint.start(this.profile.config, handler, this.profile.logger)
      }
    } catch (err) {
      await this.stop()
      throw err
    }
    const auth = this.profile.config.basic_auth_credentials != null ? ' - authenticated' : ''
    for (const a of this.addresses) this.profile.logger.info(`${this.profile.name.toUpperCase()} (HTTP${auth}): ${a}`)
  }

  async stop (): Promise<void> {
    // calls in flight are cancelled first so that their handlers can answer and end
    for (const ac of this.inflight) ac.abort(new Error('API shutting down'))
    await stopListeners(this.listeners, SHUTDOWN_GRACE_MS)
    this.listeners = []
    await this.libp2p?.stop()
    this.libp2p = undefined
    await this.app?.close()
    this.app = undefined
    await this.accessLog?.close()
    this.accessLog = undefined
  }

  private async build (): Promise<FastifyInstance> {
    const profile = this.profile
    const table = new RouteTable()
    const app = Fastify({
      logger: false,
      // upstream's router does not answer HEAD on GET routes
      exposeHeadRoutes: false,
      routerOptions: {
        // CIDs (e.g. sha3-512 in base32) exceed find-my-way's default of 100
        maxParamLength: 2048,
        // Go's url.Values.Get: the first value of a repeated key
        querystringParser: parseQuery
      },
      frameworkErrors: (err, _request, reply) => { sendError(reply, profile, err, 400) }
    })
    app.decorateRequest('callSignal', null as unknown as AbortSignal)
    app.addHook('onRoute', route => table.add(route.method, route.url))

    // Bodies are consumed by the handlers that want them (multipart /add streams); routes that
    // take a JSON body install their own parser in their scope.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', (_request, _payload, done) => done(null))

    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const ac = new AbortController()
      this.inflight.add(ac)
      request.callSignal = ac.signal
      reply.raw.once('close', () => {
        this.inflight.delete(ac)
        if (!reply.raw.writableFinished) ac.abort(new Error('client disconnected'))
      })
    })
    const auth = authHook(profile)
    if (auth != null) app.addHook('onRequest', auth)
    app.addHook('onRequest', corsHook(profile.config))
    app.addHook('onRequest', strictSlashHook)

    app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      if (err.validation != null) {
        return sendError(reply, profile, new Error(request.routeOptions.config.badRequestMessage ?? err.message), 400)
      }
      if (typeof err.statusCode === 'number' && err.code?.startsWith('FST_') === true) {
        return sendError(reply, profile, err, err.statusCode)
      }
      return sendError(reply, profile, err)
    })
    app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
      if (table.otherMethodMatches(request.method, urlPath(request.url))) return reply.code(405).send()
      return sendError(reply, profile, new Error('not found'), 404)
    })

    await this.registerRoutes(app)
    await app.ready()
    return app
  }
}
