import { isAbsolute, join } from 'node:path'
import { LevelStore } from './level-store.js'
import type { DatastoreConfig } from './config.js'

/** Opens the peer's datastore (level) in the config folder, with its leveldb_options. */
export async function openDatastore (configDir: string, cfg: DatastoreConfig): Promise<LevelStore> {
  const folder = isAbsolute(cfg.folder) ? cfg.folder : join(configDir, cfg.folder)
  const o = cfg.leveldb_options
  const ds = new LevelStore(folder, {
    cacheSize: o.block_cache_capacity,
    writeBufferSize: o.write_buffer,
    maxFileSize: o.compaction_table_size,
    blockSize: o.block_size,
    maxOpenFiles: o.open_files_cache_capacity,
    compression: o.compression
  })
  await ds.open()
  return ds
}
