// Pin queue informer: peers with shorter pin queues weigh more. Weights are bucketed so that
// small differences in queue length do not override the next allocate_by metric.
import type { Metric } from '../api/types.js'
import type { ConfigSection, JSONObject } from '../config/section.js'
import { durationJSON } from '../config/durations.js'
import { expireAfter, newMetric } from '../monitor/metric.js'
import type { Informer } from './informer.js'
import { DEFAULT_METRIC_TTL_MS, metricTTLField } from './ttl.js'

export const PINQUEUE_METRIC_NAME = 'pinqueue'
export const DEFAULT_WEIGHT_BUCKET_SIZE = 100_000

export interface PinQueueInformerConfig {
  metricTTLMs: number
  weightBucketSize: number
}

export const pinqueueConfigSection: ConfigSection<PinQueueInformerConfig> = {
  path: ['informer', 'pinqueue'],
  envPrefix: 'CLUSTER_PINQUEUE',
  defaults: () => ({ metricTTLMs: DEFAULT_METRIC_TTL_MS, weightBucketSize: DEFAULT_WEIGHT_BUCKET_SIZE }),
  parse (json: JSONObject): PinQueueInformerConfig {
    const metricTTLMs = metricTTLField(json, 'pinqueue')
    const w = json.weight_bucket_size ?? DEFAULT_WEIGHT_BUCKET_SIZE
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 0) throw new Error('pinqueue.WeightBucketSize is invalid')
    return { metricTTLMs, weightBucketSize: w }
  },
  toJSON: (cfg) => ({ metric_ttl: durationJSON(cfg.metricTTLMs), weight_bucket_size: cfg.weightBucketSize })
}

/** The pinqueue metric for a queue size (undefined when it could not be read). */
export function pinQueueMetric (queued: number | undefined, bucketSize: number, ttlMs: number, now = Date.now()): Metric {
  const n = queued ?? 0
  // Go's integer division truncates toward zero; `+ 0` turns -0 into 0 for the JSON
  const weight = (bucketSize > 0 ? Math.trunc(-n / bucketSize) : -n) + 0
  return newMetric({
    name: PINQUEUE_METRIC_NAME,
    value: String(n),
    weight,
    valid: queued !== undefined,
    partitionable: false,
    expire: expireAfter(ttlMs, now)
  })
}

/** Reads the pin tracker's queue length (the number of pins waiting to be pinned). */
export type PinQueueSize = (signal: AbortSignal) => Promise<number> | number

export class PinQueueInformer implements Informer {
  private readonly config: PinQueueInformerConfig
  private readonly queueSize: PinQueueSize
  private readonly onError: (err: unknown) => void

  constructor (config: PinQueueInformerConfig, queueSize: PinQueueSize, onError: (err: unknown) => void = () => {}) {
    this.config = config
    this.queueSize = queueSize
    this.onError = onError
  }

  name (): string {
    return PINQUEUE_METRIC_NAME
  }

  async getMetrics (signal: AbortSignal): Promise<Metric[]> {
    let queued: number | undefined
    try {
      queued = await this.queueSize(signal)
    } catch (err) {
      this.onError(err)
    }
    return [pinQueueMetric(queued, this.config.weightBucketSize, this.config.metricTTLMs)]
  }
}
