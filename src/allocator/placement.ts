// Erasure-coded shard placement (ARCHITECTURE.md, EC rules 1 and 5). The shards of one stripe
// always go to distinct peers, and to distinct failure domains (tag groups) while there are
// enough of them; with fewer groups than shards, the stripe is spread as evenly as the groups
// allow, so that losing one group costs as few shards of a stripe as possible. Add and repair
// share the same choice function.
import { InvalidArgumentError } from '../api/errors.js'
import type { Metric } from '../api/types.js'
import { NotEnoughShardPeersError } from './errors.js'

/** The failure domain of a peer (its tag group), or undefined when unknown. */
export type GroupOf = (peer: string) => string | undefined

export interface PlaceShardsRequest {
  /** shards per stripe: data + parity */
  shards: number
  stripes: number
  /** eligible peers, best first (the allocator's order, see rankPeers) */
  ranking: readonly string[]
  groupOf?: GroupOf
  /** peers never to use */
  exclude?: Iterable<string>
}

export interface PlaceRepairRequest {
  /** holders of the stripe's surviving shards */
  stripePeers: readonly string[]
  ranking: readonly string[]
  groupOf?: GroupOf
  /** how many rebuilt shards need a home */
  count: number
  exclude?: Iterable<string>
  /** shards a peer already got in this repair run, to spread many stripes' repairs */
  load?: (peer: string) => number
}

/**
 * For every stripe, `shards` distinct peers (index i of a stripe's list holds shard i). The
 * starting point in the ranking rotates by `shards` each stripe, and peers that got fewer
 * shards so far are preferred, so stored bytes spread evenly over all peers.
 */
export function placeShards (req: PlaceShardsRequest): string[][] {
  const { shards, stripes } = req
  if (!Number.isInteger(shards) || shards < 1) throw new InvalidArgumentError(`invalid number of shards per stripe: ${shards}`)
  if (!Number.isInteger(stripes) || stripes < 0) throw new InvalidArgumentError(`invalid number of stripes: ${stripes}`)
  const excluded = new Set(req.exclude ?? [])
  const peers = [...new Set(req.ranking)].filter(p => !excluded.has(p))
  if (peers.length < shards) {
    throw new NotEnoughShardPeersError(
      `not enough peers for erasure coding: each stripe needs ${shards} distinct peers, only ${peers.length} available`,
      shards, peers.length)
  }
  const groupKey = groupKeyOf(req.groupOf)
  const load = new Map<string, number>()
  const out: string[][] = []
  for (let s = 0; s < stripes; s++) {
    const offset = (s * shards) % peers.length
    const rotated = [...peers.slice(offset), ...peers.slice(0, offset)]
    const chosen = choose(rotated, shards, new Map(), groupKey, p => load.get(p) ?? 0)
    for (const p of chosen) load.set(p, (load.get(p) ?? 0) + 1)
    out.push(chosen)
  }
  return out
}

/**
 * Homes for `count` rebuilt shards of one stripe: peers holding no shard of it, preferring
 * groups the stripe does not use yet (then the least used), then lower load, then ranking.
 */
export function placeRepair (req: PlaceRepairRequest): string[] {
  const { count } = req
  if (!Number.isInteger(count) || count < 0) throw new InvalidArgumentError(`invalid number of shards to place: ${count}`)
  const holders = new Set(req.stripePeers)
  const excluded = new Set(req.exclude ?? [])
  const peers = [...new Set(req.ranking)].filter(p => !excluded.has(p) && !holders.has(p))
  if (peers.length < count) {
    throw new NotEnoughShardPeersError(
      `not enough peers to repair the stripe: ${count} shards need peers holding no shard of it, only ${peers.length} available`,
      count, peers.length)
  }
  const groupKey = groupKeyOf(req.groupOf)
  const usage = new Map<string, number>()
  for (const p of holders) {
    const g = groupKey(p)
    usage.set(g, (usage.get(g) ?? 0) + 1)
  }
  return choose(peers, count, usage, groupKey, req.load ?? (() => 0))
}

/**
 * Greedy choice of n peers from `order`: each pick is the peer whose group is least used in the
 * stripe, then the least loaded, then the earliest in `order`. While an unused group remains it
 * is always picked first, and picking the least used group each time minimises the largest
 * number of a stripe's shards in one group.
 */
function choose (order: readonly string[], n: number, usage: Map<string, number>, groupKey: (p: string) => string, load: (p: string) => number): string[] {
  const chosen: string[] = []
  const taken = new Set<string>()
  for (let k = 0; k < n; k++) {
    let best: string | undefined
    let bestUsage = 0
    let bestLoad = 0
    for (const p of order) {
      if (taken.has(p)) continue
      const u = usage.get(groupKey(p)) ?? 0
      const l = load(p)
      if (best === undefined || u < bestUsage || (u === bestUsage && l < bestLoad)) {
        best = p
        bestUsage = u
        bestLoad = l
      }
    }
    if (best === undefined) break // cannot happen: callers checked there are enough peers
    chosen.push(best)
    taken.add(best)
    const g = groupKey(best)
    usage.set(g, (usage.get(g) ?? 0) + 1)
  }
  return chosen
}

/** A peer without a known group is its own failure domain. */
function groupKeyOf (groupOf: GroupOf | undefined): (peer: string) => string {
  return peer => {
    const g = groupOf?.(peer)
    return g === undefined ? `peer\0${peer}` : `group\0${g}`
  }
}

/** The tag metric that defines failure domains: the first `tag:` name in allocate_by. */
export function groupMetricName (allocateBy: readonly string[]): string | undefined {
  return allocateBy.find(n => n.startsWith('tag:'))
}

/** groupOf from the latest metrics of a tag (PeerMonitor.latestMetrics('tag:group')). */
export function groupOfFromMetrics (metrics: readonly Metric[]): GroupOf {
  const groups = new Map<string, string>()
  for (const m of metrics) groups.set(m.peer, m.value)
  return peer => groups.get(peer)
}
