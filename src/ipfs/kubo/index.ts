// The kubo IPFS backend: config section, connector, and the backend choice.
export { ipfshttpConfigSection, DEFAULT_NODE_MULTIADDRESS } from './config.js'
export type { IpfsHttpConfig } from './config.js'
export { KuboConnector } from './connector.js'
export type { KuboConnectorInit } from './connector.js'
export { KuboApiError, KuboResponseError, KuboUnreachableError } from './errors.js'
export { applyIpfsBackend, createIpfsConnector, parseIpfsBackend, selectIpfsBackend, IpfsBackendError } from './backend.js'
export type { IpfsBackend, IpfsConnectorDeps } from './backend.js'
