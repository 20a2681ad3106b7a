// Erasure-coding building blocks: codec, stripe layout, manifest, reconstructor, policy.
export type { Codec, CodecOptions } from './codec.js'
export { WasmCodec, WorkerCodec, WASM_CODEC_ID } from './wasm-codec.js'
export { SimdCodec, SIMD_CODEC_ID } from './simd-codec.js'
export { createCodec, codecReads, sameParity, KNOWN_CODEC_IDS } from './codecs.js'
export { simdAvailable } from './simd-kernel.js'
export * from './errors.js'
export {
  MAX_TOTAL_SHARDS, MAX_STRIPE_BYTES, MAX_BLOCK_BYTES, MAX_STRIPE_BLOCK_REFS,
  DEFAULT_PARITY_BLOCK_SIZE, validateShardCounts, maxBlocksPerShard
} from './limits.js'
export type * from './types.js'
export { StripeBuilder, buildStripes } from './stripe-builder.js'
export { StripeBuffers } from './stripe-buffers.js'
export type { ClosedShard, StripeBuilderOptions } from './stripe-builder.js'
export { encodeStripe, shardNodeOf } from './encode-stripe.js'
export type { EncodeStripeOptions, EncodedStripe } from './encode-stripe.js'
export { encodeShardNode, decodeShardNode } from './shard-node.js'
export type { ShardNode } from './shard-node.js'
export {
  encodeManifest, decodeManifest, decodeManifestRoot, loadManifest, iterateStripes,
  validateManifest, shardPins, MANIFEST_VERSION
} from './manifest.js'
export type { EncodedManifest, EncodeManifestOptions, GetBlock, ShardPin, ManifestHeader, ManifestRoot, PageRef } from './manifest.js'
export { encodeTreeNode, decodeTreeNode } from './tree-node.js'
export type { TreeNode } from './tree-node.js'
export { NONCE_BYTES, newNonce } from './nonce.js'
export { reconstructStripe } from './reconstructor.js'
export type { FetchShard, LostShard, LossReason, ReconstructStripeOptions, StripeResult } from './reconstructor.js'
export { chooseShardSize, smallFilePolicy, erasureStoredBytes } from './policy.js'
export type { ShardSizeInput, ShardSizeChoice, StoragePolicyInput, StorageDecision } from './policy.js'
export { verifyBlock } from './blocks.js'
