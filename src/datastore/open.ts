import { isAbsolute, join } from 'node:path'
import { LevelStore } from './level-store.js'
import type { DatastoreConfig } from './config.js'

/** Opens the peer's datastore (level) in the config folder. */
export async function openDatastore (configDir: string, cfg: DatastoreConfig): Promise<LevelStore> {
  const folder = isAbsolute(cfg.folder) ? cfg.folder : join(configDir, cfg.folder)
  const ds = new LevelStore(folder)
  await ds.open()
  return ds
}
