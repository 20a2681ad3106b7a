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

export function restErrorBody (code: number, message: string): APIErrorBody {
  return { code, message }
}

export class RestApi {
  private readonly server: HttpApiServer

  constructor (cfg: RestApiConfig, cluster: ClusterAPI, logger: Logger) {
    const profile: ApiProfile = {
      name: 'restapi',
      config: cfg,
      logger,
      requestLogger: logger.child({ name: 'restapilog' }),
      errorBody: restErrorBody
    }
    const ctx: RouteContext = { profile, cluster }
    this.server = new HttpApiServer(profile, (app: FastifyInstance) => {
      // registration order is upstream's route order
      peerRoutes(app, ctx)
      addRoutes(app, ctx)
      pinRoutes(app, ctx)
      healthRoutes(app, ctx)
      erasureRoutes(app, ctx)
    })
  }

  async start (): Promise<void> {
    await this.server.start()
  }

  async stop (): Promise<void> {
    await this.server.stop()
  }

  /** The multiaddrs actually listened on (with the real port when 0 was configured). */
  get addresses (): string[] {
    return this.server.addresses
  }

  /** The libp2p-HTTP endpoint's multiaddrs, when libp2p_listen_multiaddress is configured. */
  get libp2pAddresses (): string[] {
    return this.server.libp2pAddresses
  }
}
