// `datastore.leveldb`: the peer's key-value store (state, CRDT deltas), a level database in the
// config folder. Upstream's default is pebble; the port keeps upstream's leveldb section name.
import type { ConfigSection, JSONObject } from '../config/section.js'
import { field, isString } from '../config/section.js'

export interface DatastoreConfig {
  folder: string
}

export const datastoreConfigSection: ConfigSection<DatastoreConfig> = {
  path: ['datastore', 'leveldb'],
  envPrefix: 'CLUSTER_LEVELDB',
  defaults () {
    return { folder: 'leveldb' }
  },
  parse (json: JSONObject) {
    return { folder: field(json, 'folder', 'leveldb', isString) || 'leveldb' }
  },
  toJSON (cfg) {
    return cfg.folder === 'leveldb' ? {} : { folder: cfg.folder }
  }
}
