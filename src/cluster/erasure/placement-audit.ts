// Placement audit (EC rules 1 and 5 after the fact): repairs, peer churn, tag changes and hand
// edits of the pinset can leave two shards of a stripe on one peer, or more shards in one tag
// group than the live peers make necessary. The audit reads shard pins' allocations only (no
// status call, no block read): a cluster whose placement is fine costs nothing more. For each
// misplaced shard it plans a move to a live peer holding no shard of the stripe and not avoided
// by the run, chosen by placeRepair (the rule add and repair use); placement-fix.ts carries the
// moves out.
//
// What counts as misplaced:
//  - shared_peer: a live peer holds several shards of a stripe; the lowest position stays, the
//    others move. A shard on a peer that is down is the repair's business (it is lost), not ours.
//  - shared_group: the stripe's most used tag group G holds a shard that a live peer in a
//    group with at least two fewer of the stripe's shards could take: moving it makes the
//    spread more even. Groups are as placement.ts sees them (a peer without a tag is its own
//    group), so with one group for every peer (the default tags) nothing is ever misplaced by
//    group, and a stripe spread as evenly as the live peers allow stays where it is.
// A shared_peer shard with nowhere to go is reported and left where it is; a group imbalance
// with nowhere better to go is not a fault (that is the best spread the peers allow).
import type { MisplacedShardInfo } from '../../api/types.js'
import { NotEnoughShardPeersError } from '../../allocator/errors.js'
import { placeRepair } from '../../allocator/placement.js'
import type { GroupOf } from '../../allocator/placement.js'
import type { EcFile } from './status-files.js'
import { shardKey } from './status-files.js'

export interface AuditEnv {
  /** live peers (the peerset) */
  live: ReadonlySet<string>
  /** live peers in the allocator's order of preference; called only when a move is considered */
  ranking: () => readonly string[]
  groupOf: GroupOf
  /** shards given to each peer so far in this run (spreads the moves) */
  load: (peer: string) => number
  /**
   * peers never to choose as a target: those the run could not reach or store on (a peer that
   * just died is still ranked until its metrics expire)
   */
  avoid?: ReadonlySet<string>
}

export interface PlannedMove {
  stripe: number
  position: number
  cid: string
  from: string
  to: string
}

export interface PlacementPlan {
  misplaced: MisplacedShardInfo[]
  moves: PlannedMove[]
  /** misplaced shards that cannot move (no live peer free of their stripe), one message each */
  stuck: string[]
}

/** The shard pins' holders of one stripe, by position ('' where the pin has no allocation). */
export function stripeHolders (file: EcFile, stripe: number): string[] {
  const n = file.d + file.p
  return Array.from({ length: n }, (_, pos) => file.shards.get(shardKey(stripe, pos))?.allocations?.[0] ?? '')
}

/** Stripe numbers that have at least one shard pin, in order. */
export function stripesOf (file: EcFile): number[] {
  const out = new Set<number>()
  for (const pin of file.shards.values()) if (pin.erasure?.stripe != null) out.add(pin.erasure.stripe)
  return [...out].sort((a, b) => a - b)
}

function groupKeyOf (groupOf: GroupOf): (peer: string) => string {
  return peer => {
    const g = groupOf(peer)
    return g === undefined ? `peer\0${peer}` : `group\0${g}`
  }
}

/** The move targets of a whole file, from its pins; moves nothing. */
export function auditPlacement (file: EcFile, env: AuditEnv): PlacementPlan {
  const plan: PlacementPlan = { misplaced: [], moves: [], stuck: [] }
  // the moves planned so far count as load, so one run spreads them
  const planned = new Map<string, number>()
  const load = (p: string): number => env.load(p) + (planned.get(p) ?? 0)
  let ranking: readonly string[] | undefined
  const rank = (): readonly string[] => (ranking ??= env.ranking())
  for (const stripe of stripesOf(file)) {
    const holders = stripeHolders(file, stripe)
    const out = auditStripe(file, stripe, holders, { ...env, ranking: rank, load })
    plan.misplaced.push(...out.misplaced)
    plan.stuck.push(...out.stuck)
    for (const m of out.moves) {
      plan.moves.push(m)
      planned.set(m.to, (planned.get(m.to) ?? 0) + 1)
    }
  }
  return plan
}

/**
 * One stripe: `holders[position]` is each shard's holder. Returns what is misplaced, where each
 * movable shard goes, and what cannot move.
 */
export function auditStripe (file: Pick<EcFile, 'd' | 'shards'>, stripe: number, holders: readonly string[], env: AuditEnv): PlacementPlan {
  const plan: PlacementPlan = { misplaced: [], moves: [], stuck: [] }
  const now = [...holders]
  const cidOf = (pos: number): string => file.shards.get(shardKey(stripe, pos))?.cid ?? ''
  const slot = (pos: number): Pick<MisplacedShardInfo, 'kind' | 'index'> =>
    pos < file.d ? { kind: 'data', index: pos } : { kind: 'parity', index: pos - file.d }
  const target = (count: number): string | undefined => {
    try {
      return placeRepair({ stripePeers: now.filter(h => h !== ''), ranking: env.ranking(), groupOf: env.groupOf, count, exclude: env.avoid, load: env.load })[0]
    } catch (err) {
      if (err instanceof NotEnoughShardPeersError) return undefined
      throw err
    }
  }
  const move = (pos: number, to: string): void => {
    plan.moves.push({ stripe, position: pos, cid: cidOf(pos), from: now[pos], to })
    now[pos] = to
  }

  // shared_peer: every shard after the first on a live peer moves
  const byPeer = new Map<string, number[]>()
  now.forEach((h, pos) => { if (h !== '') byPeer.set(h, [...(byPeer.get(h) ?? []), pos]) })
  const stuck = new Set<number>()
  for (const [peer, positions] of byPeer) {
    if (positions.length < 2 || !env.live.has(peer)) continue
    for (const pos of positions.slice(1)) {
      plan.misplaced.push({ stripe, ...slot(pos), position: pos, cid: cidOf(pos), holder: peer, reason: 'shared_peer', with: positions.filter(p => p !== pos) })
      const to = target(1)
      if (to === undefined) {
        stuck.add(pos)
        plan.stuck.push(`stripe ${stripe} shard ${pos}: ${peer} also holds shard ${positions[0]} of the stripe, and no live peer without a shard of the stripe can take it`)
      } else {
        move(pos, to)
      }
    }
  }

  // shared_group: move from the most used group while a free live peer in a group with at
  // least two fewer shards exists (placeRepair picks the least used group first: if its pick
  // does not qualify, nothing does)
  const key = groupKeyOf(env.groupOf)
  for (let round = 0; round < now.length; round++) {
    const usage = new Map<string, number[]>()
    now.forEach((h, pos) => { if (h !== '') usage.set(key(h), [...(usage.get(key(h)) ?? []), pos]) })
    // the most used group that has a shard able to move (on a live peer, not stuck)
    const groups = [...usage].sort((a, b) => b[1].length - a[1].length)
    const found = groups.find(([, positions]) => positions.length >= 2 && positions.some(pos => env.live.has(now[pos]) && !stuck.has(pos)))
    if (found == null) break
    const [worstKey, worst] = found
    const movable = worst.filter(pos => env.live.has(now[pos]) && !stuck.has(pos))
    const to = target(1)
    if (to === undefined || (usage.get(key(to))?.length ?? 0) > worst.length - 2) break
    const pos = movable[movable.length - 1]
    const planned = plan.moves.find(m => m.position === pos)
    if (planned == null) {
      plan.misplaced.push({ stripe, ...slot(pos), position: pos, cid: cidOf(pos), holder: now[pos], reason: 'shared_group', with: worst.filter(p => p !== pos), group: worstKey.slice('group\0'.length) })
      move(pos, to)
    } else {
      // a shard already moving off a shared peer: send it to the better place instead
      planned.to = to
      now[pos] = to
    }
  }
  return plan
}
