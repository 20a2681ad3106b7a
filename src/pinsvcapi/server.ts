// The Pinning Service API component (upstream api/pinsvcapi): the common HTTP API server
// (listeners, auth/JWT, CORS, strict slash, access log) with the IPFS Pinning Service API
// routes and its own error body {"error": {"reason": …}}.
//
// Relative ssl_cert_file / ssl_key_file / http_log_file paths are resolved against
// `cfg.base_dir`, which the service sets to the config folder after loading the section.
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { HttpApiServer } from '../restapi/common/server.js'
import type { ApiProfile } from '../restapi/common/profile.js'
import type { PinSvcApiConfig } from './config.js'
import { pinSvcRoutes } from './routes.js'
import type { PinSvcCluster } from './routes.js'
import { pinSvcErrorBody } from './types.js'

export class PinSvcApi extends HttpApiServer {
  constructor (cfg: PinSvcApiConfig, cluster: PinSvcCluster, logger: Logger) {
    const profile: ApiProfile = {
      name: 'pinsvcapi',
      config: cfg,
      logger,
      requestLogger: logger.child({ name: 'pinsvcapilog' }),
      errorBody: pinSvcErrorBody
    }
    super(profile, (app: FastifyInstance) => {
      pinSvcRoutes(app, { profile, cluster, logger })
    })
  }
}
