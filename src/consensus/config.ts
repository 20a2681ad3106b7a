// The `consensus.crdt` section of service.json (upstream consensus/crdt/config.go, v1.1.x).
// Keys, defaults and the "written only when non-default" rules follow upstream so that a
// service.json written by either implementation reads the same in the other.
import { peerIdFromString } from '@libp2p/peer-id'
import { durationField, durationJSON } from '../config/durations.js'
import { field, isNumber, isObject, isString, isStringArray } from '../config/section.js'
import type { ConfigSection, JSONObject } from '../config/section.js'

export interface CrdtBatchingConfig {
  /** operations per batch; batching is on only when this and maxBatchAge are > 0 */
  maxBatchSize: number
  /** milliseconds since the first queued operation after which the batch is committed */
  maxBatchAge: number
  /** operations that may wait to be batched before LogPin/LogUnpin fail */
  maxQueueSize: number
}

export interface CrdtConfig {
  clusterName: string
  /** trust every peer (`"*"` in trusted_peers) */
  trustAll: boolean
  /** peer IDs trusted besides self when trustAll is false */
  trustedPeers: string[]
  batching: CrdtBatchingConfig
  /** milliseconds; 0 disables the repair loop */
  repairInterval: number
  /** milliseconds */
  rebroadcastInterval: number
  peersetMetric: string
  datastoreNamespace: string
}

export const DEFAULT_CLUSTER_NAME = 'ipfs-cluster'
export const DEFAULT_PEERSET_METRIC = 'ping'
export const DEFAULT_DATASTORE_NAMESPACE = '/c'
export const DEFAULT_REBROADCAST_INTERVAL = 60_000
export const DEFAULT_REPAIR_INTERVAL = 3_600_000
export const DEFAULT_MAX_QUEUE_SIZE = 50_000

/** Whether LogPin/LogUnpin are queued and committed in batches. */
export function batchingEnabled (cfg: CrdtConfig): boolean {
  return cfg.batching.maxBatchSize > 0 && cfg.batching.maxBatchAge > 0
}

function defaults (): CrdtConfig {
  return {
    clusterName: DEFAULT_CLUSTER_NAME,
    trustAll: true,
    trustedPeers: [],
    batching: { maxBatchSize: 0, maxBatchAge: 0, maxQueueSize: DEFAULT_MAX_QUEUE_SIZE },
    repairInterval: DEFAULT_REPAIR_INTERVAL,
    rebroadcastInterval: DEFAULT_REBROADCAST_INTERVAL,
    peersetMetric: DEFAULT_PEERSET_METRIC,
    datastoreNamespace: DEFAULT_DATASTORE_NAMESPACE
  }
}

function validate (cfg: CrdtConfig): CrdtConfig {
  if (cfg.clusterName === '') throw new Error('crdt.cluster_name cannot be empty')
  if (cfg.peersetMetric === '') throw new Error('crdt.peerset_metric needs a name')
  if (cfg.rebroadcastInterval <= 0) throw new Error('crdt.rebroadcast_interval is invalid')
  if (cfg.repairInterval < 0) throw new Error('crdt.repair_interval is invalid')
  if (cfg.batching.maxBatchSize < 0 || !Number.isInteger(cfg.batching.maxBatchSize)) throw new Error('crdt.batching.max_batch_size is invalid')
  if (cfg.batching.maxBatchAge < 0) throw new Error('crdt.batching.max_batch_age is invalid')
  if (cfg.batching.maxQueueSize <= 0 || !Number.isInteger(cfg.batching.maxQueueSize)) throw new Error('crdt.batching.max_queue_size is invalid')
  if (!cfg.datastoreNamespace.startsWith('/')) throw new Error('crdt.datastore_namespace must start with "/"')
  return cfg
}

function parse (json: JSONObject): CrdtConfig {
  const cfg = defaults()
  // empty strings keep the default, as upstream's SetIfNotDefault does
  const name = field(json, 'cluster_name', '', isString)
  if (name !== '') cfg.clusterName = name

  const trusted = field(json, 'trusted_peers', ['*'], isStringArray)
  cfg.trustAll = false
  for (const p of trusted) {
    if (p === '*') {
      cfg.trustAll = true
      cfg.trustedPeers = []
      break
    }
    try {
      cfg.trustedPeers.push(peerIdFromString(p).toString())
    } catch (err: any) {
      throw new Error(`error parsing trusted peers: ${err?.message ?? String(err)}`)
    }
  }

  if (json.batching != null) {
    const bj = field(json, 'batching', {}, isObject)
    cfg.batching.maxBatchSize = field(bj, 'max_batch_size', 0, isNumber)
    cfg.batching.maxBatchAge = durationField(bj, 'max_batch_age', 0)
    const q = field(bj, 'max_queue_size', 0, isNumber)
    if (q !== 0) cfg.batching.maxQueueSize = q
  }

  cfg.repairInterval = durationField(json, 'repair_interval', DEFAULT_REPAIR_INTERVAL)
  cfg.rebroadcastInterval = durationField(json, 'rebroadcast_interval', DEFAULT_REBROADCAST_INTERVAL)
  const metric = field(json, 'peerset_metric', '', isString)
  if (metric !== '') cfg.peersetMetric = metric
  const ns = field(json, 'datastore_namespace', '', isString)
  if (ns !== '') cfg.datastoreNamespace = ns
  return validate(cfg)
}

function toJSON (cfg: CrdtConfig): JSONObject {
  const batching: JSONObject = {
    max_batch_size: cfg.batching.maxBatchSize,
    max_batch_age: durationJSON(cfg.batching.maxBatchAge)
  }
  if (cfg.batching.maxQueueSize !== DEFAULT_MAX_QUEUE_SIZE) batching.max_queue_size = cfg.batching.maxQueueSize
  const out: JSONObject = {
    cluster_name: cfg.clusterName,
    trusted_peers: cfg.trustAll ? ['*'] : [...cfg.trustedPeers],
    batching,
    repair_interval: durationJSON(cfg.repairInterval)
  }
  if (cfg.rebroadcastInterval !== DEFAULT_REBROADCAST_INTERVAL) out.rebroadcast_interval = durationJSON(cfg.rebroadcastInterval)
  if (cfg.peersetMetric !== DEFAULT_PEERSET_METRIC) out.peerset_metric = cfg.peersetMetric
  if (cfg.datastoreNamespace !== DEFAULT_DATASTORE_NAMESPACE) out.datastore_namespace = cfg.datastoreNamespace
  return out
}

export const crdtConfigSection: ConfigSection<CrdtConfig> = {
  path: ['consensus', 'crdt'],
  envPrefix: 'CLUSTER_CRDT',
  defaults,
  parse,
  toJSON
}
