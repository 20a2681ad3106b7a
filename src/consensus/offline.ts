// The consensus without a network, for `cluster-service state export | import | cleanup` and
// `state crdt info | mark-dirty | mark-clean` (the daemon must not run: the datastore is locked).
import type { Datastore } from 'interface-datastore'
import type { Pin } from '../api/types.js'
import type { CrdtConfig } from './config.js'
import { CrdtConsensus } from './consensus.js'
import type { AbortOptions, ConsensusLogger } from './interfaces.js'
import { encodeStateNDJSON } from './state-io.js'

export interface OfflineInit {
  config: CrdtConfig
  datastore: Datastore
  selfId: string
  logger: ConsensusLogger
}

/** A started consensus with no broadcaster, no fetcher, no hooks, no batching, no repair. */
export async function openOfflineState (init: OfflineInit): Promise<CrdtConsensus> {
  const config: CrdtConfig = {
    ...init.config,
    batching: { ...init.config.batching, maxBatchSize: 0, maxBatchAge: 0 },
    repairInterval: 0
  }
  const consensus = new CrdtConsensus({
    config,
    datastore: init.datastore,
    selfId: init.selfId,
    logger: init.logger,
    hooks: { onPut: () => {}, onDelete: () => {} }
  })
  await consensus.start()
  return consensus
}

/** `state export`: every pin as an NDJSON line. */
export function exportState (consensus: CrdtConsensus, opts: AbortOptions = {}): AsyncGenerator<string> {
  return encodeStateNDJSON(consensus.list(opts))
}

/**
 * `state import`: replaces the state with the given pins, committed as one delta. The pins
 * are read before anything is deleted, so malformed input leaves the state untouched.
 */
export async function importState (consensus: CrdtConsensus, pins: Iterable<Pin> | AsyncIterable<Pin>): Promise<number> {
  const all: Pin[] = []
  for await (const pin of pins) all.push(pin)
  await consensus.clean()
  await consensus.logPins(all)
  return all.length
}

/** `state cleanup`. */
export async function cleanupState (consensus: CrdtConsensus): Promise<void> {
  await consensus.clean()
}
