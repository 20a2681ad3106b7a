// The DAG-CBOR tree node of an erasure-coded file: the unixfs non-leaf blocks (file and
// directory dag-pb nodes, symlinks). The codec only covers raw leaves, so these blocks are kept
// by plain replication instead (p+1 copies: they survive as many losses as the stripes). One
// node pinned with max_depth 1 pins every one of them; the manifest root names it, so a reader
// finds every block of the file from the manifest alone.
//
//   { kind: 'tree', blocks: [[CID, uint], …], nonce: bytes(16) }
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { ManifestError, ManifestTooLargeError } from './errors.js'
import { MAX_BLOCK_BYTES } from './limits.js'
import { checkNonce, parseNonce } from './nonce.js'
import { parseBlockRefs } from './shard-node.js'
import type { BlockRef, RawBlock } from './types.js'

export interface TreeNode {
  blocks: BlockRef[]
  nonce: Uint8Array
}

export async function encodeTreeNode (node: TreeNode): Promise<RawBlock> {
  checkNonce(node.nonce, 'tree node')
  const bytes = dagCbor.encode({ kind: 'tree', blocks: node.blocks.map(([c, n]) => [c, n]), nonce: node.nonce })
  if (bytes.byteLength > MAX_BLOCK_BYTES) {
    // one level only (max_depth 1 pins must not reach the shards): ~23 000 unixfs nodes fit
    throw new ManifestTooLargeError(`the content has ${node.blocks.length} unixfs directory/file nodes; their list (${bytes.byteLength} bytes) exceeds the ${MAX_BLOCK_BYTES}-byte tree node: add fewer files at once or use a larger chunker`)
  }
  return { cid: CID.createV1(dagCbor.code, await sha256.digest(bytes)), bytes }
}

export function decodeTreeNode (bytes: Uint8Array): TreeNode {
  let v: unknown
  try {
    v = dagCbor.decode(bytes)
  } catch (err) {
    throw new ManifestError(`tree node is not DAG-CBOR: ${(err as Error).message}`)
  }
  if (v == null || typeof v !== 'object' || Array.isArray(v)) throw new ManifestError('tree node is not a map')
  const o = v as Record<string, unknown>
  const keys = Object.keys(o).sort().join(',')
  if (keys !== 'blocks,kind,nonce') throw new ManifestError(`tree node has fields ${keys}`)
  if (o.kind !== 'tree') throw new ManifestError('tree node: kind must be tree')
  const { refs } = parseBlockRefs(o.blocks, 'tree node')
  return { blocks: refs, nonce: parseNonce(o.nonce, 'tree node') }
}
