// The `delegates` of a new pin: the IPFS multiaddrs of the peers that will hold it (all peers for
// a pin-everywhere), which the client may connect to so that the content is fetched sooner.
import { errorMessage } from '../api/errors.js'
import { isPinEverywhere } from '../api/pin.js'
import type { Pin } from '../api/types.js'
import type { ClusterAPI } from '../cluster/api.js'
import type { Logger } from 'pino'

/**
 * Asks the peerset for the IDs of the wanted peers and collects their IPFS addresses. A peer that
 * cannot be reached contributes nothing (upstream logs the error and goes on): delegates are a
 * hint, never a reason to fail a pin that is already committed.
 */
export async function delegatesOf (pin: Pin, cluster: Pick<ClusterAPI, 'peers'>, logger: Logger, signal?: AbortSignal): Promise<string[]> {
  const everywhere = isPinEverywhere(pin)
  const wanted = new Set(pin.allocations ?? [])
  if (!everywhere && wanted.size === 0) return []
  const out: string[] = []
  try {
    for await (const id of cluster.peers({ signal })) {
      if (!everywhere && !wanted.has(id.id)) continue
      if (id.error !== '' && id.error != null) logger.error(`delegates: peer ${id.id}: ${id.error}`)
      out.push(...(id.ipfs?.addresses ?? []))
      wanted.delete(id.id)
      // the peerset is walked one peer at a time: stop as soon as every allocation answered
      if (!everywhere && wanted.size === 0) break
    }
  } catch (err) {
    logger.error(`delegates: ${errorMessage(err)}`)
  }
  return out
}
