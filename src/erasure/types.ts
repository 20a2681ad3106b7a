// Data types of the erasure layout. See README.md in this folder for the full format.
import type { CID } from 'multiformats/cid'
import type { Uint8ArrayList } from 'uint8arraylist'

export type ShardKind = 'data' | 'parity'

/** An IPFS block: its CID and bytes. */
export interface RawBlock {
  cid: CID
  bytes: Uint8Array
}

/**
 * A raw leaf as the importer hands it on: its bytes whole, or as the pieces of the upload it
 * was cut from (views nothing writes to), which the stripe builder copies into place.
 */
export interface LeafBlock {
  cid: CID
  bytes: Uint8Array | Uint8ArrayList
}

/**
 * A data shard as the stripe builder assembles it: consecutive leaf blocks, whose bytes are
 * views of the shard's slot in the stripe buffer.
 */
export interface DataShard {
  blocks: RawBlock[]
  /** sum of the blocks' byte lengths */
  length: number
}

/** d data shards (fewer in the last stripe of a file) that are coded together. */
export interface Stripe {
  index: number
  dataShards: DataShard[]
  /**
   * The stripe laid out for the codec: d + p slots of `stride` bytes, data shard i from
   * i × stride, the parity slots last. Bytes past a shard's length are unspecified (a reused
   * buffer): the encoder zeroes what the codec reads.
   */
  buffer: Uint8Array
  stride: number
}

/** A shard as stored: its blocks plus the DAG-CBOR shard node that links them (the pinned CID). */
export interface EncodedShard {
  kind: ShardKind
  /** index within its kind: data 0..d-1, parity 0..p-1 */
  index: number
  length: number
  blocks: RawBlock[]
  node: RawBlock
}

/** A block reference in shard nodes and manifests: [cid, byte length]. */
export type BlockRef = [CID, number]

/** One shard in the manifest. */
export interface ShardRef {
  node: CID
  length: number
  blocks: BlockRef[]
}

export interface ManifestStripe {
  data: ShardRef[]
  parity: ShardRef[]
}

export interface Manifest {
  version: 1
  codec: string
  data_shards: number
  parity_shards: number
  shard_size: number
  file_size: number
  /** CID of the unixfs root of the content */
  content_root: CID
  /** the add's random nonce (NONCE_BYTES), also in every shard node and the tree node */
  nonce: Uint8Array
  /** the tree node: the unixfs non-leaf blocks (absent when the content has none) */
  tree?: CID
  stripes: ManifestStripe[]
}
