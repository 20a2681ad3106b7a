// Choosing the IPFS backend. service.json holds exactly one of `ipfs_connector.embedded` (the
// Helia node in the daemon) and `ipfs_connector.ipfshttp` (kubo); `init --ipfs kubo` writes the
// second instead of the first. The daemon asks createIpfsConnector for whichever is present.
import type { Logger } from 'pino'
import type { ServiceConfig } from '../../config/service-config.js'
import type { ConfigSection, JSONObject } from '../../config/section.js'
import { applyEnv } from '../../config/env.js'
import type { ClusterHost } from '../../host/host.js'
import type { IpfsConnector } from '../connector.js'
import { embeddedIpfsConfigSection } from '../embedded/config.js'
import { EmbeddedIpfs } from '../embedded/connector.js'
import { ipfshttpConfigSection } from './config.js'
import { KuboConnector } from './connector.js'

export type IpfsBackend = 'embedded' | 'kubo'

export class IpfsBackendError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'IpfsBackendError'
  }
}

/** `--ipfs` values of init, upstream's section name included. */
export function parseIpfsBackend (text: string): IpfsBackend {
  if (text === 'embedded' || text === 'helia') return 'embedded'
  if (text === 'kubo' || text === 'ipfshttp') return 'kubo'
  throw new IpfsBackendError(`unknown IPFS backend "${text}": use embedded or kubo`)
}

/** The backend whose section is present; both or neither is a configuration error. */
export function selectIpfsBackend (config: ServiceConfig): IpfsBackend {
  const embedded = config.has(embeddedIpfsConfigSection)
  const kubo = config.has(ipfshttpConfigSection)
  if (embedded && kubo) throw new IpfsBackendError('service.json has both ipfs_connector.embedded and ipfs_connector.ipfshttp: keep one')
  if (kubo) return 'kubo'
  if (embedded) return 'embedded'
  throw new IpfsBackendError('no IPFS connector configured: service.json needs ipfs_connector.embedded or ipfs_connector.ipfshttp')
}

/**
 * What `init --ipfs <backend>` writes: edits the service.json object built from INIT_SECTIONS
 * (which holds the embedded section) so that only the chosen backend's section is present.
 * With kubo, the IPFS proxy forwards to the same kubo node as the connector.
 */
export function applyIpfsBackend (json: JSONObject, backend: IpfsBackend, env: NodeJS.ProcessEnv = process.env): void {
  const connectors = (json.ipfs_connector ??= {}) as JSONObject
  if (backend === 'embedded') {
    delete connectors.ipfshttp
    if (connectors.embedded == null) connectors.embedded = sectionJSON(embeddedIpfsConfigSection, env)
    return
  }
  delete connectors.embedded
  const kubo = sectionJSON(ipfshttpConfigSection, env)
  connectors.ipfshttp = kubo
  const proxy = (json.api as JSONObject | undefined)?.ipfsproxy as JSONObject | undefined
  // the proxy's own env override (CLUSTER_IPFSPROXY_NODEMULTIADDRESS) wins when given
  if (proxy != null && env.CLUSTER_IPFSPROXY_NODEMULTIADDRESS == null) proxy.node_multiaddress = kubo.node_multiaddress
}

function sectionJSON<T> (s: ConfigSection<T>, env: NodeJS.ProcessEnv): JSONObject {
  return s.toJSON(s.parse(applyEnv(s.toJSON(s.defaults()), s.envPrefix, env)))
}

export interface IpfsConnectorDeps {
  configDir: string
  host: ClusterHost
  logger: Logger
  /** kubo: IPFS addresses of the other peers for the swarm-connect round */
  peerIpfsAddresses?: (signal: AbortSignal) => Promise<string[]>
  /** kubo: informer_trigger_interval's broadcast */
  triggerInformers?: () => void
}

export function createIpfsConnector (config: ServiceConfig, deps: IpfsConnectorDeps): { backend: IpfsBackend, connector: IpfsConnector } {
  const backend = selectIpfsBackend(config)
  if (backend === 'kubo') {
    return {
      backend,
      connector: new KuboConnector({
        config: config.get(ipfshttpConfigSection),
        logger: deps.logger,
        peerIpfsAddresses: deps.peerIpfsAddresses,
        triggerInformers: deps.triggerInformers
      })
    }
  }
  return {
    backend,
    connector: new EmbeddedIpfs({ config: config.get(embeddedIpfsConfigSection), configDir: deps.configDir, host: deps.host, logger: deps.logger })
  }
}
