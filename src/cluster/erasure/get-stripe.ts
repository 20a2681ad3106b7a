// Reads one stripe back for ecget and repair: the shards cluster state calls lost are neither
// fetched nor trusted, the others are fetched from their holders; the reconstructor rebuilds
// (and verifies) what is missing. The stripe's states are updated with what the read found,
// so the caller repairs exactly the shards that are really gone.
import type { LostShardInfo } from '../../api/types.js'
import { reconstructStripe } from '../../erasure/reconstructor.js'
import type { StripeResult } from '../../erasure/reconstructor.js'
import type { Manifest } from '../../erasure/types.js'
import type { StripeBuffers } from '../../erasure/stripe-buffers.js'
import type { ErasureContext } from './context.js'
import { shardFetcher } from './get-fetch.js'
import type { ShardState } from './status-shards.js'
import { lostOf } from './status-shards.js'

export interface StripeRead {
  result: StripeResult
  /** every lost shard of the stripe: from cluster state, and from the read */
  lost: LostShardInfo[]
}

export async function readStripe (
  ctx: ErasureContext, manifest: Manifest, index: number, states: ShardState[],
  opts: { signal?: AbortSignal, onBytes?: (n: number) => void, buffers?: StripeBuffers } = {}
): Promise<StripeRead> {
  const stripe = manifest.stripes[index]
  const known = states.filter(s => lostOf(s) != null).map(s => ({ kind: s.kind, index: s.index }))
  const result = await reconstructStripe(manifest, index, stripe, shardFetcher(ctx, states, stripe, opts.onBytes), ctx.codec, { lost: known, signal: opts.signal, buffers: opts.buffers })
  for (const l of result.lost) {
    if (l.reason === 'known') continue
    const st = states.find(s => s.kind === l.kind && s.index === l.index)
    if (st != null) st.verdict = l.reason
  }
  const lost = states.map(lostOf).filter((l): l is LostShardInfo => l != null)
  return { result, lost }
}
