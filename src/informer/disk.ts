// Disk informer: free space (default) or repository size of the IPFS node, from repo/stat.
import type { IPFSRepoStat, Metric } from '../api/types.js'
import type { ConfigSection, JSONObject } from '../config/section.js'
import { durationJSON } from '../config/durations.js'
import type { IpfsConnector } from '../ipfs/connector.js'
import { expireAfter, newMetric } from '../monitor/metric.js'
import type { Informer } from './informer.js'
import { DEFAULT_METRIC_TTL_MS, metricTTLField } from './ttl.js'

export type DiskMetricType = 'freespace' | 'reposize'

export interface DiskInformerConfig {
  metricTTLMs: number
  metricType: DiskMetricType
}

export const diskConfigSection: ConfigSection<DiskInformerConfig> = {
  path: ['informer', 'disk'],
  envPrefix: 'CLUSTER_DISK',
  defaults: () => ({ metricTTLMs: DEFAULT_METRIC_TTL_MS, metricType: 'freespace' }),
  parse (json: JSONObject): DiskInformerConfig {
    const metricTTLMs = metricTTLField(json, 'disk')
    const t = json.metric_type ?? 'freespace'
    if (t !== 'freespace' && t !== 'reposize') throw new Error('disk.metric_type is invalid')
    return { metricTTLMs, metricType: t }
  },
  toJSON: (cfg) => ({ metric_ttl: durationJSON(cfg.metricTTLMs), metric_type: cfg.metricType })
}

/**
 * The disk metric for a repo/stat answer (undefined when the call failed). Free space: value
 * and weight are the free bytes; a full repository (or a failed call) gives an invalid metric,
 * so that the peer stops being offered new pins. Repo size: smaller repositories weigh more.
 */
export function diskMetric (type: DiskMetricType, stat: IPFSRepoStat | undefined, ttlMs: number, now = Date.now()): Metric {
  let value = ''
  let weight = 0
  let valid = stat !== undefined
  if (stat !== undefined) {
    if (type === 'freespace') {
      if (stat.RepoSize < stat.StorageMax) {
        weight = stat.StorageMax - stat.RepoSize
      } else {
        valid = false
      }
      value = String(weight)
    } else {
      weight = stat.RepoSize === 0 ? 0 : -stat.RepoSize
      value = String(stat.RepoSize)
    }
  }
  return newMetric({ name: type, value, weight, valid, partitionable: false, expire: expireAfter(ttlMs, now) })
}

export class DiskInformer implements Informer {
  private readonly config: DiskInformerConfig
  private readonly ipfs: Pick<IpfsConnector, 'repoStat'>
  private readonly onError: (err: unknown) => void

  constructor (config: DiskInformerConfig, ipfs: Pick<IpfsConnector, 'repoStat'>, onError: (err: unknown) => void = () => {}) {
    this.config = config
    this.ipfs = ipfs
    this.onError = onError
  }

  name (): string {
    return this.config.metricType
  }

  async getMetrics (signal: AbortSignal): Promise<Metric[]> {
    let stat: IPFSRepoStat | undefined
    try {
      stat = await this.ipfs.repoStat({ signal })
    } catch (err) {
      this.onError(err)
    }
    return [diskMetric(this.config.metricType, stat, this.config.metricTTLMs)]
  }
}
