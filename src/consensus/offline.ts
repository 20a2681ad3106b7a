// The consensus without a network, for `cluster-service state export | import | cleanup` and
// `state crdt info | mark-dirty | mark-clean` (the daemon must not run: the datastore is locked).
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
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
 * `state import`: replaces the state with the given pins. The pins are read (and checked) into
 * a spool file before anything is deleted, so malformed input leaves the state untouched, and
 * a million-pin import is never held in memory.
 */
export async function importState (consensus: CrdtConsensus, pins: Iterable<Pin> | AsyncIterable<Pin>): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'cluster-import-'))
  const file = join(dir, 'pins.ndjson')
  try {
    const out = createWriteStream(file)
    const closed = new Promise<void>((resolve, reject) => { out.on('close', () => { resolve() }); out.on('error', reject) })
    try {
      for await (const pin of pins) {
        if (!out.write(JSON.stringify(pin) + '\n')) await new Promise<void>(resolve => { out.once('drain', () => { resolve() }) })
      }
    } finally {
      out.end()
      await closed
    }
    await consensus.clean()
    return await consensus.logPins(readSpool(file))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function * readSpool (file: string): AsyncGenerator<Pin> {
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line !== '') yield JSON.parse(line) as Pin
  }
}

/** `state cleanup`. */
export async function cleanupState (consensus: CrdtConsensus): Promise<void> {
  await consensus.clean()
}
