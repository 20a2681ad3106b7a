// `datastore.leveldb`: the peer's key-value store (state, CRDT deltas), a level database in the
// config folder. Upstream's default is pebble; the port keeps upstream's leveldb section name,
// and its `leveldb_options` in goleveldb's snake_case names for the LevelDB settings that
// exist here (others are ignored, as unknown keys are).
import type { ConfigSection, JSONObject } from '../config/section.js'
import { field, isBool, isNumber, isObject, isString } from '../config/section.js'

export interface LevelDbOptions {
  /** bytes of decompressed table blocks kept in memory (LevelDB's block cache) */
  block_cache_capacity: number
  /** bytes of writes gathered in memory before they become a table file */
  write_buffer: number
  /** bytes of a table file written by a compaction */
  compaction_table_size: number
  /** bytes of a table block */
  block_size: number
  /** table files kept open */
  open_files_cache_capacity: number
  /** snappy compression of table blocks */
  compression: boolean
}

export interface DatastoreConfig {
  folder: string
  leveldb_options: LevelDbOptions
}

const MiB = 1024 * 1024

/**
 * LevelDB's own defaults. Larger caches, write buffers and tables (64 MiB, 16 MiB, 8 MiB) were
 * measured against them replaying a peer's writes and reads of a million pins: 117-129 against
 * 113-123 s of CPU, no gain, so the defaults stay.
 */
function defaultOptions (): LevelDbOptions {
  return {
    block_cache_capacity: 8 * MiB,
    write_buffer: 4 * MiB,
    compaction_table_size: 2 * MiB,
    block_size: 4096,
    open_files_cache_capacity: 1000,
    compression: true
  }
}

function parseOptions (json: JSONObject): LevelDbOptions {
  const d = defaultOptions()
  const size = (key: keyof LevelDbOptions, min: number): number => {
    const v = field(json, key, d[key] as number, isNumber)
    if (!Number.isInteger(v) || v < min) throw new Error(`datastore.leveldb.leveldb_options.${key} must be an integer >= ${min}`)
    return v
  }
  // goleveldb's compression is a number: 0 default (snappy), 1 none, 2 snappy
  const c = json.compression
  const compression = typeof c === 'number' ? c !== 1 : field(json, 'compression', d.compression, isBool)
  return {
    block_cache_capacity: size('block_cache_capacity', 0),
    write_buffer: size('write_buffer', 64 * 1024),
    compaction_table_size: size('compaction_table_size', 64 * 1024),
    block_size: size('block_size', 1024),
    open_files_cache_capacity: size('open_files_cache_capacity', 16),
    compression
  }
}

export const datastoreConfigSection: ConfigSection<DatastoreConfig> = {
  path: ['datastore', 'leveldb'],
  envPrefix: 'CLUSTER_LEVELDB',
  defaults () {
    return { folder: 'leveldb', leveldb_options: defaultOptions() }
  },
  parse (json: JSONObject) {
    return {
      folder: field(json, 'folder', 'leveldb', isString) || 'leveldb',
      leveldb_options: parseOptions(field(json, 'leveldb_options', {}, isObject))
    }
  },
  toJSON (cfg) {
    const out: JSONObject = cfg.folder === 'leveldb' ? {} : { folder: cfg.folder }
    const d = defaultOptions()
    const changed = Object.entries(cfg.leveldb_options).filter(([k, v]) => d[k as keyof LevelDbOptions] !== v)
    if (changed.length > 0) out.leveldb_options = Object.fromEntries(changed)
    return out
  }
}
