// `allocator.balanced` section of service.json.
import type { ConfigSection, JSONObject } from '../config/section.js'
import { stringsField } from '../config/section.js'

export interface AllocatorConfig {
  /** metric names, most significant first; partitionable ones (tags) group peers */
  allocateBy: string[]
}

/** Written by `init`. */
export const DEFAULT_ALLOCATE_BY: readonly string[] = ['tag:group', 'freespace']
/** What upstream uses when service.json has no allocator.balanced section at all. */
export const MISSING_SECTION_ALLOCATE_BY: readonly string[] = ['freespace']

export const allocatorConfigSection: ConfigSection<AllocatorConfig> = {
  path: ['allocator', 'balanced'],
  envPrefix: 'CLUSTER_BALANCED',
  defaults: () => ({ allocateBy: [...DEFAULT_ALLOCATE_BY] }),
  parse (json: JSONObject): AllocatorConfig {
    const list = stringsField(json, 'allocate_by', [])
    // an empty list keeps the default, as upstream
    return { allocateBy: list.length > 0 ? [...list] : [...DEFAULT_ALLOCATE_BY] }
  },
  toJSON: (cfg) => ({ allocate_by: [...cfg.allocateBy] })
}
