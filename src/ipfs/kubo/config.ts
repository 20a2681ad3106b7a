// `ipfs_connector.ipfshttp` (upstream's section name): a kubo daemon reached over its RPC API.
// Its presence in service.json selects the kubo backend; `ipfs_connector.embedded` selects the
// Helia node. Keys, defaults and env names (CLUSTER_IPFSHTTP_*) are upstream's.
import type { ConfigSection, JSONObject } from '../../config/section.js'
import { isString } from '../../config/section.js'
import { durationField, durationJSON } from '../../config/durations.js'
import { parseGoBool } from '../../common/parse.js'
import { parseNodeMultiaddr } from './node-address.js'

export interface IpfsHttpConfig {
  /** kubo's RPC API: /ip4|/ip6|/dns|/dns4|/dns6/<host>/tcp/<port> or /unix/<path> */
  node_multiaddress: string
  /** after kubo first answers, wait this long and swarm-connect to the other peers' IPFS; 0 = never */
  connect_swarms_delay: number
  ipfs_request_timeout: number
  /** a pin fails when kubo reports no progress for this long */
  pin_timeout: number
  unpin_timeout: number
  repogc_timeout: number
  /** every N-th pin / block stream / GC triggers an informer broadcast; 0 = off */
  informer_trigger_interval: number
  /** refuse to unpin from kubo (a peer that only ever adds) */
  unpin_disable: boolean
}

export const DEFAULT_NODE_MULTIADDRESS = '/ip4/127.0.0.1/tcp/5001'

export const ipfshttpConfigSection: ConfigSection<IpfsHttpConfig> = {
  path: ['ipfs_connector', 'ipfshttp'],
  envPrefix: 'CLUSTER_IPFSHTTP',
  defaults () {
    return {
      node_multiaddress: DEFAULT_NODE_MULTIADDRESS,
      connect_swarms_delay: 30_000,
      ipfs_request_timeout: 300_000,
      pin_timeout: 120_000,
      unpin_timeout: 3 * 3_600_000,
      repogc_timeout: 24 * 3_600_000,
      informer_trigger_interval: 0,
      unpin_disable: false
    }
  },
  parse (json: JSONObject) {
    const d = this.defaults()
    const node = json.node_multiaddress
    if (node != null && !isString(node)) throw new Error(`invalid value for "node_multiaddress": ${JSON.stringify(node)}`)
    const cfg: IpfsHttpConfig = {
      node_multiaddress: node == null || node === '' ? d.node_multiaddress : node,
      connect_swarms_delay: durationField(json, 'connect_swarms_delay', d.connect_swarms_delay),
      ipfs_request_timeout: durationField(json, 'ipfs_request_timeout', d.ipfs_request_timeout),
      pin_timeout: durationField(json, 'pin_timeout', d.pin_timeout),
      unpin_timeout: durationField(json, 'unpin_timeout', d.unpin_timeout),
      repogc_timeout: durationField(json, 'repogc_timeout', d.repogc_timeout),
      informer_trigger_interval: intField(json, 'informer_trigger_interval', d.informer_trigger_interval),
      unpin_disable: boolField(json, 'unpin_disable', d.unpin_disable)
    }
    try {
      parseNodeMultiaddr(cfg.node_multiaddress)
    } catch (err: any) {
      throw new Error(`error parsing ipfs node_multiaddress: ${err.message}`)
    }
    // upstream's Validate: every timeout must be positive, the delay may be 0
    for (const k of ['ipfs_request_timeout', 'pin_timeout', 'unpin_timeout', 'repogc_timeout'] as const) {
      if (cfg[k] <= 0) throw new Error(`ipfshttp.${k} invalid`)
    }
    if (cfg.connect_swarms_delay < 0) throw new Error('ipfshttp.connect_swarms_delay invalid')
    if (cfg.informer_trigger_interval < 0) throw new Error('ipfshttp.informer_trigger_interval invalid')
    return cfg
  },
  toJSON (cfg) {
    // Every key is written, unpin_disable too (upstream omits it when false), so that the
    // environment override CLUSTER_IPFSHTTP_UNPINDISABLE reaches it.
    return {
      node_multiaddress: cfg.node_multiaddress,
      connect_swarms_delay: durationJSON(cfg.connect_swarms_delay),
      ipfs_request_timeout: durationJSON(cfg.ipfs_request_timeout),
      pin_timeout: durationJSON(cfg.pin_timeout),
      unpin_timeout: durationJSON(cfg.unpin_timeout),
      repogc_timeout: durationJSON(cfg.repogc_timeout),
      informer_trigger_interval: cfg.informer_trigger_interval,
      unpin_disable: cfg.unpin_disable
    }
  }
}

function intField (json: JSONObject, key: string, fallback: number): number {
  const v = json[key]
  if (v == null || v === '') return fallback
  const n = typeof v === 'string' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new Error(`invalid value for "${key}": ${JSON.stringify(v)}`)
  return n
}

function boolField (json: JSONObject, key: string, fallback: boolean): boolean {
  const v = json[key]
  if (v == null) return fallback
  if (typeof v === 'boolean') return v
  if (typeof v === 'string' && parseGoBool(v) !== undefined) return parseGoBool(v) as boolean
  throw new Error(`invalid value for "${key}": ${JSON.stringify(v)}`)
}
