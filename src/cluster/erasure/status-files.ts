// The pins and manifest of erasure-coded files, as ecget, ecrecovery, repair and status need
// them: the meta pin, the tree pin and every shard pin indexed by (stripe, position).
import { CID } from 'multiformats/cid'
import type { Pin } from '../../api/types.js'
import { loadManifest } from '../../erasure/manifest.js'
import type { Manifest } from '../../erasure/types.js'
import type { Signalled } from '../components.js'
import type { ErasureContext } from './context.js'
import { NotErasureFileError, ecFilePins, isErasurePin, isShardPin, isTreePin, shardPosition } from './layout.js'

export interface EcFile {
  /** the meta pin (content root) */
  meta: Pin
  manifestCid: string
  d: number
  p: number
  /** the tree pin (unixfs non-leaf blocks), when the content has any */
  tree?: Pin
  /** shard pins by shardKey(stripe, position) */
  shards: Map<string, Pin>
}

export function shardKey (stripe: number, position: number): string {
  return `${stripe}/${position}`
}

/** The EC file whose content root is `cid`; NotErasureFileError for anything else. */
export async function loadEcFile (ctx: ErasureContext, cid: string, opts: Signalled = {}): Promise<EcFile> {
  const pins = await ecFilePins(ctx.consensus, cid, opts)
  const meta = pins.meta
  if (meta.erasure == null) throw new NotErasureFileError(cid)
  const file: EcFile = { meta, manifestCid: meta.erasure.manifest, d: meta.erasure.data_shards, p: meta.erasure.parity_shards, shards: new Map() }
  if (pins.tree != null) file.tree = pins.tree
  for (const s of pins.shards) addShard(file, s)
  return file
}

function addShard (file: EcFile, pin: Pin): void {
  const stripe = pin.erasure?.stripe
  if (stripe == null || !isShardPin(pin)) return
  file.shards.set(shardKey(stripe, shardPosition(pin)), pin)
}

/**
 * Every EC file of the pinset, in one pass over it (not one pass per file): meta pins with
 * erasure info, and their shard and tree pins grouped by manifest.
 */
export async function listEcFiles (ctx: ErasureContext, opts: Signalled = {}): Promise<EcFile[]> {
  const files = new Map<string, EcFile>()
  const parts = new Map<string, Pin[]>()
  for await (const pin of ctx.consensus.list({ ...opts, only: 'erasure' })) {
    if (!isErasurePin(pin) || pin.erasure == null) continue
    const m = pin.erasure.manifest
    if (pin.type === 'meta-pin') {
      files.set(m, { meta: pin, manifestCid: m, d: pin.erasure.data_shards, p: pin.erasure.parity_shards, shards: new Map() })
    } else if (pin.type === 'shard-pin') {
      const list = parts.get(m) ?? []
      list.push(pin)
      parts.set(m, list)
    }
  }
  for (const [m, file] of files) {
    for (const pin of parts.get(m) ?? []) {
      if (isTreePin(pin)) file.tree = pin
      else addShard(file, pin)
    }
  }
  return [...files.values()]
}

/** The manifest (pinned on every peer, so read from the local node), fetched and verified. */
export async function readManifest (ctx: ErasureContext, file: EcFile, opts: Signalled = {}): Promise<Manifest> {
  return await loadManifest(CID.parse(file.manifestCid), async (cid, o) => await ctx.ipfs.blockGet(cid.toString(), o), { signal: opts.signal })
}
