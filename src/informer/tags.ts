// Tags informer: one partitionable `tag:<key>` metric per configured tag, so that the balanced
// allocator groups peers by tag value (e.g. spreads copies across `group`s).
import type { Metric } from '../api/types.js'
import type { ConfigSection, JSONObject } from '../config/section.js'
import { isStringMap } from '../config/section.js'
import { durationJSON } from '../config/durations.js'
import { expireAfter, newMetric } from '../monitor/metric.js'
import type { Informer } from './informer.js'
import { DEFAULT_METRIC_TTL_MS, metricTTLField } from './ttl.js'

export const TAG_METRIC_PREFIX = 'tag:'

export interface TagsInformerConfig {
  metricTTLMs: number
  tags: Record<string, string>
}

export const DEFAULT_TAGS: Readonly<Record<string, string>> = { group: 'default' }

export const tagsConfigSection: ConfigSection<TagsInformerConfig> = {
  path: ['informer', 'tags'],
  envPrefix: 'CLUSTER_TAGS',
  defaults: () => ({ metricTTLMs: DEFAULT_METRIC_TTL_MS, tags: { ...DEFAULT_TAGS } }),
  parse (json: JSONObject): TagsInformerConfig {
    const metricTTLMs = metricTTLField(json, 'tags')
    const tags = json.tags ?? { ...DEFAULT_TAGS }
    if (!isStringMap(tags)) throw new Error(`invalid value for "tags": ${JSON.stringify(json.tags)}`)
    return { metricTTLMs, tags: { ...tags } }
  },
  toJSON: (cfg) => ({ metric_ttl: durationJSON(cfg.metricTTLMs), tags: { ...cfg.tags } })
}

/** Tag metrics; with no tags a single invalid `tag:none` (never published), as upstream. */
export function tagMetrics (tags: Record<string, string>, ttlMs: number, now = Date.now()): Metric[] {
  const expire = expireAfter(ttlMs, now)
  const entries = Object.entries(tags)
  if (entries.length === 0) {
    return [newMetric({ name: `${TAG_METRIC_PREFIX}none`, valid: false, partitionable: true, expire })]
  }
  return entries.map(([key, value]) =>
    newMetric({ name: TAG_METRIC_PREFIX + key, value, valid: true, partitionable: true, expire }))
}

export class TagsInformer implements Informer {
  private readonly config: TagsInformerConfig

  constructor (config: TagsInformerConfig) {
    this.config = config
  }

  name (): string {
    return 'tags'
  }

  async getMetrics (): Promise<Metric[]> {
    return tagMetrics(this.config.tags, this.config.metricTTLMs)
  }
}
