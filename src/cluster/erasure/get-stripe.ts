// Reads one stripe back for ecget and repair: the shards cluster state calls lost are neither
// fetched nor trusted, the others are fetched from their holders; the reconstructor rebuilds
// (and verifies) what is missing. The stripe's states are updated with what the read found,
// so the caller repairs exactly the shards that are really gone. Holders the run already
// hedged against are read last (parity first in their place), and the holders of shards the
// read hedged away are remembered for the run's next stripes: slow, not lost, so nothing of
// theirs is repaired.
import type { LostShardInfo } from '../../api/types.js'
import { reconstructStripe } from '../../erasure/reconstructor.js'
import type { ReconstructStripeOptions, StripeResult } from '../../erasure/reconstructor.js'
import type { Manifest } from '../../erasure/types.js'
import type { StripeBuffers } from '../../erasure/stripe-buffers.js'
import type { ErasureContext } from './context.js'
import { shardFetcher } from './get-fetch.js'
import { sharedHedgeMemory } from './hedge.js'
import type { HedgeMemory } from './hedge.js'
import type { ShardState } from './status-shards.js'
import { lostOf } from './status-shards.js'

export interface StripeRead {
  result: StripeResult
  /** every lost shard of the stripe: from cluster state, and from the read */
  lost: LostShardInfo[]
}

export async function readStripe (
  ctx: ErasureContext, manifest: Manifest, index: number, states: ShardState[],
  opts: { signal?: AbortSignal, onBytes?: (n: number) => void, buffers?: StripeBuffers, layoutHealthy?: boolean, hedge?: HedgeMemory, onDataBlock?: ReconstructStripeOptions['onDataBlock'] } = {}
): Promise<StripeRead> {
  const stripe = manifest.stripes[index]
  const hedge = opts.hedge ?? sharedHedgeMemory(ctx)
  const known = states.filter(s => lostOf(s) != null).map(s => ({ kind: s.kind, index: s.index }))
  const avoid = states.filter(s => lostOf(s) == null && hedge.isSlow(s.holder)).map(s => ({ kind: s.kind, index: s.index }))
  const result = await reconstructStripe(manifest, index, stripe, shardFetcher(ctx, states, stripe, opts.onBytes), ctx.codec, { lost: known, avoid, signal: opts.signal, buffers: opts.buffers, layoutHealthy: opts.layoutHealthy, onDataBlock: opts.onDataBlock })
  for (const l of result.lost) {
    if (l.reason === 'known') continue
    const st = states.find(s => s.kind === l.kind && s.index === l.index)
    if (st != null) st.verdict = l.reason
  }
  for (const h of result.hedged) {
    const st = states.find(s => s.kind === h.kind && s.index === h.index)
    if (st == null) continue
    const first = hedge.markSlow(st.holder)
    // operators see each slow peer once per run; every hedge at debug
    ctx.logger[first ? 'info' : 'debug']({ peer: st.holder, stripe: index, shard: `${h.kind} ${h.index}` }, 'hedged read: holder slow, stripe read from other shards; its shards are read last for the rest of this run')
  }
  const lost = states.map(lostOf).filter((l): l is LostShardInfo => l != null)
  return { result, lost }
}
