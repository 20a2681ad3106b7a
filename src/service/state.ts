// `cluster-service state export | import | cleanup`: the pinset offline, with the daemon stopped
// (the lock enforces it). The format is upstream's: a stream of REST Pin JSON objects.
import type { Writable } from 'node:stream'
import type { Datastore } from 'interface-datastore'
import type { Pin } from '../api/types.js'
import { normalizePin } from '../api/pin.js'
import { normalizeCid } from '../api/cid.js'
import { decodeJSONStream } from '../common/json-stream.js'
import { CrdtConsensus } from '../consensus/consensus.js'
import type { CrdtConfig } from '../consensus/config.js'
import type { Logger } from 'pino'

export interface ImportOverrides {
  rmin: number
  rmax: number
  allocations: string[]
}

function offline (cfg: CrdtConfig, datastore: Datastore, selfId: string, logger: Logger): CrdtConsensus {
  return new CrdtConsensus({
    config: cfg,
    datastore,
    selfId,
    hooks: { onPut: () => {}, onDelete: () => {} },
    logger: {
      debug: m => logger.debug(m),
      info: m => logger.info(m),
      warn: m => logger.warn(m),
      error: m => logger.error(m)
    }
  })
}

export async function exportState (cfg: CrdtConfig, datastore: Datastore, selfId: string, logger: Logger, out: Writable): Promise<number> {
  const state = offline(cfg, datastore, selfId, logger)
  let n = 0
  for await (const pin of state.list()) {
    if (!out.write(JSON.stringify(pin) + '\n')) await new Promise(resolve => out.once('drain', resolve))
    n++
  }
  return n
}

/** Replaces the pinset with the pins read from input, committed as one CRDT delta. */
export async function importState (cfg: CrdtConfig, datastore: Datastore, selfId: string, logger: Logger, input: AsyncIterable<Uint8Array | string>, overrides: ImportOverrides): Promise<number> {
  // decode everything first: a malformed file must not leave the state cleaned
  const pins: Pin[] = []
  for await (const value of decodeJSONStream(input)) {
    if (value == null || typeof value !== 'object' || Array.isArray(value) || typeof (value as any).cid !== 'string') {
      throw new Error('each value must be a pin object with a "cid"')
    }
    const pin = normalizePin({ ...(value as Pin), cid: normalizeCid((value as Pin).cid) })
    if (overrides.rmin > 0) pin.replication_factor_min = overrides.rmin
    if (overrides.rmax > 0) pin.replication_factor_max = overrides.rmax
    if (overrides.allocations.length > 0) pin.allocations = overrides.allocations
    pins.push(pin)
  }
  const state = offline(cfg, datastore, selfId, logger)
  await state.clean()
  await state.logPins(pins)
  return pins.length
}

export async function cleanupState (cfg: CrdtConfig, datastore: Datastore, selfId: string, logger: Logger): Promise<void> {
  await offline(cfg, datastore, selfId, logger).clean()
}
