// `ipfs_connector.embedded`: the Helia node that runs inside the daemon (the default backend).
// Its presence in service.json selects it; with `ipfs_connector.ipfshttp` instead, kubo is used.
import type { ConfigSection, JSONObject } from '../../config/section.js'
import { field, isNumber, isString } from '../../config/section.js'
import { durationField, durationJSON } from '../../config/durations.js'

export interface EmbeddedIpfsConfig {
  /** folder of the blockstore and datastore, relative to the config folder */
  repo_folder: string
  /** bytes the repo may use (kubo's Datastore.StorageMax, 10 GB by default) */
  storage_max: number
  /** a pin fails when it makes no progress for this long */
  pin_timeout: number
  unpin_timeout: number
  repogc_timeout: number
  ipfs_request_timeout: number
  /** GC leaves blocks stored this recently alone: an add stores blocks before they are pinned */
  gc_grace_period: number
}

export const embeddedIpfsConfigSection: ConfigSection<EmbeddedIpfsConfig> = {
  path: ['ipfs_connector', 'embedded'],
  envPrefix: 'CLUSTER_EMBEDDED',
  defaults () {
    return {
      repo_folder: 'ipfs',
      storage_max: 10_000_000_000,
      pin_timeout: 120_000,
      unpin_timeout: 3 * 3_600_000,
      repogc_timeout: 24 * 3_600_000,
      ipfs_request_timeout: 300_000,
      gc_grace_period: 120_000
    }
  },
  parse (json: JSONObject) {
    const d = this.defaults()
    const cfg: EmbeddedIpfsConfig = {
      repo_folder: field(json, 'repo_folder', d.repo_folder, isString) || d.repo_folder,
      storage_max: field(json, 'storage_max', d.storage_max, isNumber),
      pin_timeout: durationField(json, 'pin_timeout', d.pin_timeout),
      unpin_timeout: durationField(json, 'unpin_timeout', d.unpin_timeout),
      repogc_timeout: durationField(json, 'repogc_timeout', d.repogc_timeout),
      ipfs_request_timeout: durationField(json, 'ipfs_request_timeout', d.ipfs_request_timeout),
      gc_grace_period: durationField(json, 'gc_grace_period', d.gc_grace_period)
    }
    if (cfg.storage_max <= 0) throw new Error('storage_max must be > 0')
    if (cfg.pin_timeout <= 0) throw new Error('pin_timeout must be > 0')
    return cfg
  },
  toJSON (cfg) {
    return {
      repo_folder: cfg.repo_folder,
      storage_max: cfg.storage_max,
      pin_timeout: durationJSON(cfg.pin_timeout),
      unpin_timeout: durationJSON(cfg.unpin_timeout),
      repogc_timeout: durationJSON(cfg.repogc_timeout),
      ipfs_request_timeout: durationJSON(cfg.ipfs_request_timeout),
      gc_grace_period: durationJSON(cfg.gc_grace_period)
    }
  }
}
