// `api.restapi` section of service.json: the common HTTP API schema (common/config.ts) on
// 127.0.0.1:9094. The section's presence in service.json enables the REST API.
import type { ConfigSection } from '../config/section.js'
import { httpApiConfigSection } from './common/config.js'
import type { HttpApiConfig } from './common/config.js'

export type RestApiConfig = HttpApiConfig

export const DEFAULT_RESTAPI_LISTEN = '/ip4/127.0.0.1/tcp/9094'

export const restApiConfigSection: ConfigSection<RestApiConfig> = httpApiConfigSection({
  path: ['api', 'restapi'],
  envPrefix: 'CLUSTER_RESTAPI',
  defaultListen: DEFAULT_RESTAPI_LISTEN
})
