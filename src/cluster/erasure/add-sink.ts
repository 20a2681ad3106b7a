// The block sink the importer writes to during an erasure add. Raw leaves are the coded data;
// every other block (file and directory dag-pb nodes, symlinks) is a tree block, kept by p+1
// plain copies and listed in the tree node.
//
// Small inputs are replicated instead (smallFilePolicy: p+1 copies survive the same p losses
// and cost less there). The input size is not known up front, so blocks are held until the
// policy says "erasure" for the leaf bytes seen so far; the decision is final from then on
// because the policy is monotone in the size (more bytes never make replication cheaper).
// The policy says "erasure" once the leaves exceed one shard and d chunks, so at most about
// one shard is held. With d = 1 erasure coding is replication (it never pays off), so nothing
// is held: every block goes straight to the p+1 holders. Tree blocks (and the blocks of d = 1)
// go through a CopySet, which replaces a holder that fails mid-add (add-copies.ts).
import type { CID } from 'multiformats/cid'
import type { Uint8ArrayList } from 'uint8arraylist'
import * as raw from 'multiformats/codecs/raw'
import type { BlockSink } from '../../adder/types.js'
import { smallFilePolicy } from '../../erasure/index.js'
import type { BlockRef, LeafBlock, RawBlock, StorageDecision } from '../../erasure/index.js'
import { wholeBytes } from '../../common/copy-into.js'
import type { ErasureAddPlan } from './add-params.js'
import type { CopySet } from './add-copies.js'
import { StripeWriter } from './add-stripes.js'
import type { StripeWriterInit } from './add-stripes.js'

export type SinkOutcome =
  | { mode: 'replicate', decision: StorageDecision, blocks: RawBlock[] }
  | { mode: 'erasure', writer: StripeWriter, tree: BlockRef[] }

export class ErasureSink implements BlockSink {
  private readonly plan: ErasureAddPlan
  private readonly writerInit: StripeWriterInit
  /** the p+1 copies of the tree blocks (and of every block when d = 1) */
  readonly tree: CopySet
  /** raw leaves as they came (whole or the upload's pieces), tree blocks whole */
  private pending: LeafBlock[] | undefined = []
  /** d = 1: replicate as the blocks come */
  private readonly direct: boolean
  private leafBytes = 0
  private writer: StripeWriter | undefined
  private readonly treeSeen = new Set<string>()
  private readonly treeRefs: BlockRef[] = []

  constructor (init: { plan: ErasureAddPlan, writer: StripeWriterInit, tree: CopySet }) {
    this.plan = init.plan
    this.writerInit = init.writer
    this.tree = init.tree
    this.direct = init.plan.d === 1
  }

  /** A raw leaf may be the upload's pieces: the stripe copies them into place, copies get them joined. */
  async put (cid: CID, bytes: Uint8Array | Uint8ArrayList): Promise<void> {
    const block = { cid, bytes }
    if (this.direct) {
      this.leafBytes += cid.code === raw.code ? bytes.byteLength : 0
      return await this.tree.put(whole(block))
    }
    if (this.pending == null) return await this.store(block)
    this.pending.push(block)
    if (cid.code !== raw.code) return
    this.leafBytes += bytes.byteLength
    if (this.decide().mode === 'erasure') await this.startErasure()
  }

  private decide (): StorageDecision {
    const { d, p, chunkSize, shardSize } = this.plan
    return smallFilePolicy({ fileSize: this.leafBytes, d, p, chunkSize, shardSize })
  }

  private async startErasure (): Promise<void> {
    const held = this.pending ?? []
    this.pending = undefined
    this.writer = new StripeWriter(this.writerInit)
    for (const b of held) await this.store(b)
  }

  private async store (block: LeafBlock): Promise<void> {
    if (block.cid.code === raw.code) return await this.writer!.push(block)
    const key = block.cid.toString()
    if (this.treeSeen.has(key)) return
    this.treeSeen.add(key)
    this.treeRefs.push([block.cid, block.bytes.byteLength])
    await this.tree.put(whole(block))
  }

  /** After the import: the last stripe coded (erasure), or the held blocks (replicate). */
  async finish (): Promise<SinkOutcome> {
    if (this.direct) return { mode: 'replicate', decision: this.decide(), blocks: [] }
    if (this.pending != null) {
      const decision = this.decide()
      if (decision.mode === 'replicate') return { mode: 'replicate', decision, blocks: this.pending.map(whole) }
      await this.startErasure()
    }
    await this.writer!.finish()
    return { mode: 'erasure', writer: this.writer!, tree: this.treeRefs }
  }
}

/** The block with its bytes in one piece (what copies and replicas send). */
function whole (block: LeafBlock): RawBlock {
  return { cid: block.cid, bytes: wholeBytes(block.bytes) }
}
