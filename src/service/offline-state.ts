// A peer's pinset opened offline (no network), with the peer folder's lock held: what the
// `state` commands of cluster-service and a stopped follower's `list` read and write.
import { loadIdentity } from '../config/identity.js'
import type { CrdtConfig } from '../consensus/config.js'
import type { CrdtConsensus } from '../consensus/consensus.js'
import { openOfflineState } from '../consensus/offline.js'
import type { DatastoreConfig } from '../datastore/config.js'
import { openDatastore } from '../datastore/open.js'
import { acquireLock } from './lock.js'

export interface OfflineStateOptions {
  datastore: DatastoreConfig
  crdt: CrdtConfig
  logger: { debug: (m: string) => void, info: (m: string) => void, warn: (m: string) => void, error: (m: string) => void }
}

/** Runs fn on the pinset of the peer folder `dir`, then closes it and releases the lock. */
export async function withOfflineState<T> (dir: string, opts: OfflineStateOptions, fn: (state: CrdtConsensus) => Promise<T>): Promise<T> {
  const release = await acquireLock(dir)
  try {
    const ds = await openDatastore(dir, opts.datastore)
    try {
      const state = await openOfflineState({ config: opts.crdt, datastore: ds, selfId: (await loadIdentity(dir)).id, logger: opts.logger })
      try {
        return await fn(state)
      } finally {
        await state.stop()
      }
    } finally {
      await ds.close()
    }
  } finally {
    await release()
  }
}
