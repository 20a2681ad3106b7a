// Delta blocks of the Merkle-CRDT. A delta is one DAG-CBOR node: the elements it adds, the
// tombstones it puts on element ids of other deltas, its priority (height in the DAG) and
// links to the heads it was built on. Its CID (v1, dag-cbor, sha2-256) is also the id every
// element it carries has in the OR-set.
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { InvalidDeltaError } from './errors.js'

export interface Element {
  key: string
  value: Uint8Array
}

export interface Tombstone {
  key: string
  /** CID string of the delta that added the element */
  id: string
}

export interface Delta {
  elements: Element[]
  tombstones: Tombstone[]
  priority: number
  /** CID strings of the heads this delta was built on */
  links: string[]
}

/** Upstream's MaxBatchDeltaSize: bigger local changes are split into several deltas. */
export const MAX_DELTA_SIZE = 1024 * 1024

/** Keys and ids become datastore path segments: one non-empty segment each. */
export function isValidKey (key: string): boolean {
  return key !== '' && !key.includes('/') && key !== '.' && key !== '..'
}

export interface DeltaBlock {
  cid: string
  bytes: Uint8Array
}

export async function encodeDelta (delta: Delta): Promise<DeltaBlock> {
  const bytes = dagCbor.encode({
    elements: delta.elements.map(e => ({ key: e.key, value: e.value })),
    tombstones: delta.tombstones.map(t => ({ key: t.key, id: t.id })),
    priority: delta.priority,
    links: delta.links.map(l => CID.parse(l))
  })
  const cid = CID.createV1(dagCbor.code, await sha256.digest(bytes))
  return { cid: cid.toString(), bytes }
}

/** Checks that bytes are the block of cid: a block from a peer is trusted only that far. */
export async function verifyBlock (cid: string, bytes: Uint8Array): Promise<void> {
  let parsed: CID
  try {
    parsed = CID.parse(cid)
  } catch {
    throw new InvalidDeltaError(`invalid delta CID ${cid}`)
  }
  if (parsed.code !== dagCbor.code || parsed.multihash.code !== sha256.code) {
    throw new InvalidDeltaError(`delta ${cid} is not a dag-cbor/sha2-256 block`)
  }
  const digest = await sha256.digest(bytes)
  if (!equalBytes(digest.digest, parsed.multihash.digest)) {
    throw new InvalidDeltaError(`delta ${cid}: bytes do not match the CID`)
  }
}

export function decodeDelta (cid: string, bytes: Uint8Array): Delta {
  let obj: any
  try {
    obj = dagCbor.decode(bytes)
  } catch (err: any) {
    throw new InvalidDeltaError(`delta ${cid}: ${err?.message ?? String(err)}`)
  }
  const bad = (what: string): never => { throw new InvalidDeltaError(`delta ${cid}: invalid ${what}`) }
  if (obj == null || typeof obj !== 'object') bad('node')
  const { elements, tombstones, priority, links } = obj
  if (!Array.isArray(elements)) bad('elements')
  if (!Array.isArray(tombstones)) bad('tombstones')
  if (!Array.isArray(links)) bad('links')
  if (typeof priority !== 'number' || !Number.isSafeInteger(priority) || priority < 1) bad('priority')
  const delta: Delta = { elements: [], tombstones: [], priority, links: [] }
  for (const e of elements) {
    if (typeof e?.key !== 'string' || !isValidKey(e.key) || !(e.value instanceof Uint8Array)) bad('element')
    delta.elements.push({ key: e.key, value: e.value })
  }
  for (const t of tombstones) {
    if (typeof t?.key !== 'string' || typeof t.id !== 'string' || !isValidKey(t.key) || !isValidKey(t.id)) bad('tombstone')
    delta.tombstones.push({ key: t.key, id: t.id })
  }
  for (const l of links) {
    const c = CID.asCID(l)
    if (c == null) bad('link')
    else delta.links.push(c.toString())
  }
  return delta
}

/** Bytewise order of two values (upstream's bytes.Compare); undefined sorts first. */
export function compareBytes (a: Uint8Array | undefined, b: Uint8Array | undefined): number {
  if (a === undefined) return b === undefined ? 0 : -1
  if (b === undefined) return 1
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

export function equalBytes (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return compareBytes(a, b) === 0
}
