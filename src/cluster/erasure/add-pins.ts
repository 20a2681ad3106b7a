// The pins of an erasure-coded file (see layout.ts for the contract) and their commit. Pins are
// committed only after every block is stored, shards first and the meta pin last, so a reader
// never sees a file whose shards are missing; if a commit fails midway, what was committed is
// unpinned again (EC rule 4: nothing half-added stays pinned).
import type { AddParams } from '../../api/params.js'
import type { ErasureInfo, Pin, PinType } from '../../api/types.js'
import { InvalidArgumentError, NotFoundError, errorMessage } from '../../api/errors.js'
import { newPin } from '../../api/pin.js'
import type { ErasureContext } from './context.js'
import type { StoredShard } from './add-stripes.js'
import { manifestPinName, shardPinName, treePinName } from './layout.js'
import { inPinWindows } from './pin-window.js'
import { unpinErasureFile } from './unpin.js'

export interface ErasureFile {
  /** unixfs content root */
  root: string
  manifest: string
  /** the manifest has pages: its pin must reach them (depth 1) */
  paged: boolean
  tree?: { cid: string, holders: string[] }
  shards: StoredShard[]
  d: number
  p: number
  /** the pin name the file's pins derive theirs from */
  name: string
}

function pinOf (cid: string, params: AddParams, type: PinType, fields: Partial<Pin>): Pin {
  return {
    ...newPin(cid, { ...params, mode: 'recursive', user_allocations: null, pin_update: null, metadata: {} }, type),
    ...fields
  }
}

/**
 * Pins in commit order: shards, tree, manifest, meta. A shard the add could not store anywhere
 * (StoredShard.lost) gets its pin all the same, allocated to the peer that failed it: cluster
 * state then calls it lost (holder down or without the blocks) and the repair rebuilds it.
 */
export function erasurePins (f: ErasureFile, params: AddParams): Pin[] {
  const info = (extra: Partial<ErasureInfo> = {}): ErasureInfo => ({ manifest: f.manifest, data_shards: f.d, parity_shards: f.p, ...extra })
  const pins: Pin[] = f.shards.map(s => pinOf(s.node, params, 'shard-pin', {
    name: shardPinName(f.name, s.stripe, s.kind, s.index),
    replication_factor_min: 1,
    replication_factor_max: 1,
    allocations: [s.holder],
    max_depth: 1,
    reference: f.manifest,
    erasure: info({ stripe: s.stripe, shard: s.position })
  }))
  if (f.tree != null) {
    pins.push(pinOf(f.tree.cid, params, 'shard-pin', {
      name: treePinName(f.name),
      replication_factor_min: f.tree.holders.length,
      replication_factor_max: f.tree.holders.length,
      allocations: f.tree.holders,
      max_depth: 1,
      reference: f.manifest,
      erasure: info()
    }))
  }
  pins.push(pinOf(f.manifest, params, 'clusterdag-pin', {
    name: manifestPinName(f.name),
    replication_factor_min: -1,
    replication_factor_max: -1,
    allocations: [],
    // depth 1 = root + pages; never deeper, or every peer would fetch the whole file
    max_depth: f.paged ? 1 : 0,
    reference: f.root,
    erasure: info()
  }))
  pins.push(pinOf(f.root, params, 'meta-pin', {
    name: f.name,
    metadata: params.metadata ?? {},
    replication_factor_min: -1,
    replication_factor_max: -1,
    allocations: [],
    max_depth: 0,
    reference: f.manifest,
    erasure: info()
  }))
  return pins
}

/**
 * Commits the pins: the shard, tree and manifest pins together (inPinWindows), then the meta
 * pin, last. On failure unpins the ones committed (newest first) and rethrows. When the content
 * root was already an EC file with another manifest, that older file's pins are removed once the
 * new meta pin replaces it, so they are not left orphaned.
 */
export async function commitErasurePins (ctx: ErasureContext, pins: Pin[], signal?: AbortSignal): Promise<void> {
  const meta = pins[pins.length - 1]
  const previous = await ctx.consensus.get(meta.cid, { signal }).catch(err => {
    if (err instanceof NotFoundError) return undefined
    throw err
  })
  if (previous != null && previous.type !== 'meta-pin') {
    throw new InvalidArgumentError(`${meta.cid} is already pinned as a ${previous.type}: pin rm it first to add it with erasure coding`)
  }
  const committed: Pin[] = []
  try {
    await inPinWindows(pins.slice(0, -1), async pin => { committed.push(await ctx.commitPin(pin, { signal })) }, signal)
    signal?.throwIfAborted()
    committed.push(await ctx.commitPin(meta, { signal }))
  } catch (err) {
    // the meta pin is last, so a pin that existed before this add is never among these
    for (const pin of committed.reverse()) {
      await ctx.consensus.logUnpin(pin).catch(e => { ctx.logger.error({ cid: pin.cid, err: errorMessage(e) }, 'erasure add: cannot undo a pin') })
    }
    throw err
  }
  const old = previous?.erasure?.manifest
  if (old != null && old !== meta.erasure?.manifest) {
    const pins = await unpinErasureFile(ctx.consensus, old, { signal })
    ctx.logger.info({ manifest: old, pins }, 'erasure add replaced an older copy of the same content')
  }
}
