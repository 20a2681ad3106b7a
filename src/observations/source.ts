// Where the collector reads the state of the peer from. The daemon builds one from its
// components with metricsSourceOf; anything else implementing MetricsSource works too.
import type { TrackerStatusName } from '../api/types.js'
import type { TrackerStatusCounts } from './metrics.js'

export interface MetricsSource {
  /** pins in the shared state (the pinset) */
  pinCount (signal?: AbortSignal): Promise<number> | number
  /** peers in the peerset, this one included */
  peerCount (signal?: AbortSignal): Promise<number> | number
  /** this peer's pins by tracker status */
  trackerStatusCounts (signal?: AbortSignal): Promise<TrackerStatusCounts> | TrackerStatusCounts
}

export interface MetricsSourceParts {
  /** the pinset (consensus.list) */
  pins: (opts: { signal?: AbortSignal }) => AsyncIterable<unknown>
  /** the peerset (cluster.peerset) */
  peers: () => readonly string[]
  /** this peer's tracker view of every pin (tracker.statusAll with filter 0) */
  localStatuses: (opts: { signal?: AbortSignal }) => AsyncIterable<{ status: TrackerStatusName }>
}

/** A MetricsSource that counts by walking the pinset and the local tracker statuses. */
export function metricsSourceOf (parts: MetricsSourceParts): MetricsSource {
  return {
    pinCount: async signal => {
      let n = 0
      for await (const _ of parts.pins({ signal })) n++
      return n
    },
    peerCount: () => parts.peers().length,
    trackerStatusCounts: async signal => {
      const counts: TrackerStatusCounts = {}
      for await (const info of parts.localStatuses({ signal })) counts[info.status] = (counts[info.status] ?? 0) + 1
      return counts
    }
  }
}
