// `api.pinsvcapi` section of service.json: the common HTTP API schema (restapi/common/config.ts)
// on 127.0.0.1:9097. As for every API, the section's presence in service.json enables it.
import type { ConfigSection } from '../config/section.js'
import { httpApiConfigSection } from '../restapi/common/config.js'
import type { HttpApiConfig } from '../restapi/common/config.js'

export type PinSvcApiConfig = HttpApiConfig

export const DEFAULT_PINSVCAPI_LISTEN = '/ip4/127.0.0.1/tcp/9097'

export const pinSvcApiConfigSection: ConfigSection<PinSvcApiConfig> = httpApiConfigSection({
  path: ['api', 'pinsvcapi'],
  envPrefix: 'CLUSTER_PINSVCAPI',
  defaultListen: DEFAULT_PINSVCAPI_LISTEN
})
