import { isAbsolute, join } from 'node:path'
import { LevelDatastore } from 'datastore-level'
import type { DatastoreConfig } from './config.js'

/** Opens the peer's datastore (level) in the config folder. */
export async function openDatastore (configDir: string, cfg: DatastoreConfig): Promise<LevelDatastore> {
  const folder = isAbsolute(cfg.folder) ? cfg.folder : join(configDir, cfg.folder)
  const ds = new LevelDatastore(folder)
  await ds.open()
  return ds
}
