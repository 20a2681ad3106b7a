// How an erasure-coded file is represented in the pinset, and the helpers every EC flow (add,
// ecget, recovery, repair, status) reads it with. This is the shared contract: keep it stable.
//
// An EC file with unixfs content root R and manifest root M has:
//  - meta pin      cid R, type 'meta-pin', reference M, allocations [], replication -1/-1,
//                  max_depth 0, the user's name and metadata, erasure {manifest, d, p}
//  - manifest pin  cid M, type 'clusterdag-pin', reference R, replication -1/-1 (every peer),
//                  max_depth 0 (inline manifest) or 1 (root + pages), name `<name>-manifest`,
//                  erasure {manifest, d, p}
//  - shard pins    cid = shard node, type 'shard-pin', reference M, replication 1/1,
//                  allocations [holder], max_depth 1, name `<name>-s<stripe>-<data|parity><i>`,
//                  erasure {manifest, d, p, stripe, shard: position (parity j at d+j)}
//  - tree pin      cid = tree node (unixfs non-leaf blocks), type 'shard-pin', reference M,
//                  replication p+1/p+1, max_depth 1, name `<name>-tree`, erasure {manifest, d, p}
//                  (no stripe/shard: that is how it differs from a shard pin)
// Layout (block lists, sizes) lives only in the manifest; the pins say who holds what.
import type { Pin } from '../../api/types.js'
import { ClusterError, NotFoundError } from '../../api/errors.js'
import type { Consensus, Signalled } from '../components.js'
import type { ShardKind } from '../../erasure/index.js'

export function manifestPinName (name: string): string {
  return `${name}-manifest`
}

export function treePinName (name: string): string {
  return `${name}-tree`
}

/** `<name>-s<stripe>-data<i>` / `<name>-s<stripe>-parity<j>` (index within its kind). */
export function shardPinName (name: string, stripe: number, kind: ShardKind, index: number): string {
  return `${name}-s${stripe}-${kind}${index}`
}

/** Any pin of an EC file (meta, manifest, shard or tree pin). */
export function isErasurePin (pin: Pin): boolean {
  return pin.erasure != null
}

/** A shard pin of an EC file (not the tree pin, which has no stripe). */
export function isShardPin (pin: Pin): boolean {
  return pin.type === 'shard-pin' && pin.erasure?.stripe != null && pin.erasure.shard != null
}

/** The tree pin of an EC file: a shard-pin with erasure info but no stripe. */
export function isTreePin (pin: Pin): boolean {
  return pin.type === 'shard-pin' && pin.erasure != null && pin.erasure.stripe == null
}

/** A shard pin's position in its stripe (data i → i, parity j → d + j); throws for other pins. */
export function shardPosition (pin: Pin): number {
  const shard = pin.erasure?.shard
  if (!isShardPin(pin) || shard == null) throw new ClusterError(`pin ${pin.cid} is not an erasure shard pin`, 500)
  return shard
}

export interface ShardSlot {
  stripe: number
  /** position in the stripe: data i → i, parity j → d + j */
  shard: number
  kind: ShardKind
  /** index within its kind */
  index: number
}

/** Stripe, position, kind and index of a shard pin; undefined for pins that are not shard pins. */
export function shardSlot (pin: Pin): ShardSlot | undefined {
  const e = pin.erasure
  if (!isShardPin(pin) || e?.stripe == null || e.shard == null) return undefined
  const parity = e.shard >= e.data_shards
  return { stripe: e.stripe, shard: e.shard, kind: parity ? 'parity' : 'data', index: parity ? e.shard - e.data_shards : e.shard }
}

/** The CID is pinned, but not as the content root of an erasure-coded file. */
export class NotErasureFileError extends ClusterError {
  constructor (cid: string) {
    super(`${cid} is not the content root of an erasure-coded file (its pin has no erasure manifest)`, 400)
    this.name = 'NotErasureFileError'
  }
}

export interface EcFilePins {
  meta: Pin
  /** undefined only when the pinset lost it (a half-removed file) */
  manifest: Pin | undefined
  tree: Pin | undefined
  /** sorted by stripe, then position */
  shards: Pin[]
}

/**
 * Every pin of the EC file whose content root (meta pin) is metaCid. Throws NotFoundError when
 * nothing is pinned there and NotErasureFileError when the pin is not an EC meta pin.
 */
export async function ecFilePins (consensus: Consensus, metaCid: string, opts: Signalled = {}): Promise<EcFilePins> {
  const meta = await consensus.get(metaCid, opts)
  const manifestCid = meta.erasure?.manifest
  if (meta.type !== 'meta-pin' || manifestCid == null) throw new NotErasureFileError(metaCid)
  let manifest: Pin | undefined
  try {
    manifest = await consensus.get(manifestCid, opts)
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err
  }
  let tree: Pin | undefined
  const shards: Pin[] = []
  for await (const pin of consensus.list({ ...opts, only: 'erasure' })) {
    if (pin.type !== 'shard-pin' || pin.erasure?.manifest !== manifestCid) continue
    if (isShardPin(pin)) shards.push(pin)
    else tree = pin
  }
  shards.sort((a, b) => (a.erasure!.stripe! - b.erasure!.stripe!) || (a.erasure!.shard! - b.erasure!.shard!))
  return { meta, manifest, tree, shards }
}
