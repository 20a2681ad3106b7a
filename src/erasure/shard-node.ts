// The DAG-CBOR node of one shard: the CID a shard pin pins (recursively, so its blocks are
// pinned with it). Its content is a pure function of the add's nonce and the shard's position
// and blocks, so a repaired shard gets back exactly the CID the manifest recorded, while the
// same bytes added twice never share a shard node (see nonce.ts).
//
//   { kind: 'data' | 'parity', stripe: uint, index: uint, length: uint, blocks: [[CID, uint], …],
//     nonce: bytes(16) }
//
// index is within the kind (data 0..d-1, parity 0..p-1); length = sum of the block lengths.
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { ManifestError } from './errors.js'
import { MAX_BLOCK_BYTES } from './limits.js'
import { checkNonce, parseNonce } from './nonce.js'
import type { BlockRef, RawBlock, ShardKind } from './types.js'

export interface ShardNode {
  kind: ShardKind
  stripe: number
  index: number
  length: number
  blocks: BlockRef[]
  nonce: Uint8Array
}

export async function encodeShardNode (node: ShardNode): Promise<RawBlock> {
  checkNonce(node.nonce, `shard node of stripe ${node.stripe} ${node.kind} ${node.index}`)
  const bytes = dagCbor.encode({
    kind: node.kind,
    stripe: node.stripe,
    index: node.index,
    length: node.length,
    blocks: node.blocks.map(([c, n]) => [c, n]),
    nonce: node.nonce
  })
  if (bytes.byteLength > MAX_BLOCK_BYTES) {
    throw new ManifestError(`shard node of stripe ${node.stripe} ${node.kind} ${node.index} is ${bytes.byteLength} bytes, over ${MAX_BLOCK_BYTES}: use fewer blocks per shard`)
  }
  const cid = CID.createV1(dagCbor.code, await sha256.digest(bytes))
  return { cid, bytes }
}

export function decodeShardNode (bytes: Uint8Array): ShardNode {
  let v: unknown
  try {
    v = dagCbor.decode(bytes)
  } catch (err) {
    throw new ManifestError(`shard node is not DAG-CBOR: ${(err as Error).message}`)
  }
  return parseShardNode(v, 'shard node')
}

function isUint (v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

/** Validates a [[CID, len], …] list and returns it with its total length. */
export function parseBlockRefs (v: unknown, where: string): { refs: BlockRef[], total: number } {
  if (!Array.isArray(v)) throw new ManifestError(`${where}: blocks is not a list`)
  let total = 0
  const refs = v.map((r: unknown, i): BlockRef => {
    if (!Array.isArray(r) || r.length !== 2) throw new ManifestError(`${where}: block ${i} is not [cid, length]`)
    const cid = CID.asCID(r[0])
    if (cid == null) throw new ManifestError(`${where}: block ${i} has no CID`)
    if (!isUint(r[1])) throw new ManifestError(`${where}: block ${i} length is not a non-negative integer`)
    total += r[1]
    return [cid, r[1]]
  })
  return { refs, total }
}

export function parseShardNode (v: unknown, where: string): ShardNode {
  if (v == null || typeof v !== 'object' || Array.isArray(v)) throw new ManifestError(`${where} is not a map`)
  const o = v as Record<string, unknown>
  const keys = Object.keys(o).sort().join(',')
  if (keys !== 'blocks,index,kind,length,nonce,stripe') throw new ManifestError(`${where} has fields ${keys}`)
  if (o.kind !== 'data' && o.kind !== 'parity') throw new ManifestError(`${where}: kind must be data or parity`)
  if (!isUint(o.stripe) || !isUint(o.index) || !isUint(o.length)) throw new ManifestError(`${where}: stripe, index and length must be non-negative integers`)
  const { refs, total } = parseBlockRefs(o.blocks, where)
  if (total !== o.length) throw new ManifestError(`${where}: blocks add up to ${total} bytes, length says ${o.length}`)
  const nonce = parseNonce(o.nonce, where)
  return { kind: o.kind, stripe: o.stripe, index: o.index, length: o.length, blocks: refs, nonce }
}
