// The Pinning Service API component: what the service wires.
export { PinSvcApi } from './server.js'
export { pinSvcApiConfigSection, DEFAULT_PINSVCAPI_LISTEN } from './config.js'
export type { PinSvcApiConfig } from './config.js'
export type { PinSvcCluster } from './routes.js'
export { pinSvcErrorBody, API_INFO } from './types.js'
export type { PinList, PinStatus, SvcPin, PinSvcErrorBody } from './types.js'
