// The REST API component (upstream api/rest): the common HTTP API server with the REST routes
// and the REST error body {code, message}. Wire-compatible with upstream's clients.
//
// Relative ssl_cert_file / ssl_key_file / http_log_file paths are resolved against
// `cfg.base_dir`, which the service sets to the config folder after loading the section.
import type { Logger } from 'pino'
import type { FastifyInstance } from 'fastify'
import type { APIErrorBody } from '../api/types.js'
import type { ClusterAPI } from '../cluster/api.js'
import { HttpApiServer } from './common/server.js'
import type { ApiProfile } from './common/profile.js'
import type { RestApiConfig } from './config.js'
import type { RouteContext } from './routes/context.js'
import { addRoutes } from './routes/add.js'
import { erasureRoutes } from './routes/erasure.js'
import { healthRoutes } from './routes/health.js'
import { peerRoutes } from './routes/peers.js'
import { pinRoutes } from './routes/pins.js'
import { uiRoutes } from './ui/route.js'

export function restErrorBody (code: number, message: string): APIErrorBody {
  return { code, message }
}

/** The REST API: the common HTTP API server with upstream's routes and error body. */
export class RestApi extends HttpApiServer {
  constructor (cfg: RestApiConfig, cluster: ClusterAPI, logger: Logger) {
    const profile: ApiProfile = {
      name: 'restapi',
      config: cfg,
      logger,
      requestLogger: logger.child({ name: 'restapilog' }),
      errorBody: restErrorBody
    }
    const ctx: RouteContext = { profile, cluster }
    super(profile, (app: FastifyInstance) => {
      // registration order is upstream's route order
      peerRoutes(app, ctx)
      addRoutes(app, ctx)
      pinRoutes(app, ctx)
      healthRoutes(app, ctx)
      erasureRoutes(app, ctx)
      uiRoutes(app, ctx)
    })
  }
}
