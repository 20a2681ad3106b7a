// The balanced allocator's partition tree. Level i groups peers by the metric allocate_by[i]:
// a partitionable metric (tags) puts every peer with the same value in one partition whose
// weight is the sum of its peers' weights; any other metric gives each peer its own partition.
// Peers are then taken round-robin across partitions, recursing into sub-partitions, so that
// consecutive choices land in different groups and, inside a group, the heaviest come first.
import type { MetricsSet } from './types.js'
import type { Metric } from '../api/types.js'

interface Partition {
  value: string
  weight: number
  /** own weight plus the aggregated weight of the sub-partitions */
  aggregatedWeight: number
  /** peers of a bottom partition, in the order they are handed out */
  peers: string[]
  /** how many of `peers` were handed out */
  taken: number
  /** the smallest peer ID, a last tie-break so that the order never depends on input order */
  firstPeer: string
  sub?: PartitionedMetric
}

export class PartitionedMetric {
  readonly metricName: string
  readonly partitions: Partition[]
  private cursor = 0
  private exhausted = false

  constructor (metricName: string, partitions: Partition[]) {
    this.metricName = metricName
    this.partitions = partitions
  }

  /** Every peer, in allocation order. Consumes the tree. */
  sortedPeers (): string[] {
    const out: string[] = []
    for (let p = this.chooseNext(); p !== undefined; p = this.chooseNext()) out.push(p)
    return out
  }

  /** The next peer: one from the current partition, then move on to the next partition. */
  chooseNext (): string | undefined {
    const n = this.partitions.length
    if (n === 0 || this.exhausted) return undefined
    for (let looked = 1; looked <= n; looked++) {
      const part = this.partitions[this.cursor]
      let peer: string | undefined
      if (part.sub != null) {
        peer = part.sub.chooseNext()
      } else if (part.taken < part.peers.length) {
        peer = part.peers[part.taken++]
      }
      this.cursor = (this.cursor + 1) % n
      if (peer !== undefined) return peer
    }
    this.exhausted = true
    return undefined
  }
}

/** Upstream's order: weight, then aggregated weight (both descending), then value ascending. */
function comparePartitions (a: Partition, b: Partition): number {
  if (a.weight !== b.weight) return b.weight - a.weight
  if (a.aggregatedWeight !== b.aggregatedWeight) return b.aggregatedWeight - a.aggregatedWeight
  if (a.value !== b.value) return a.value < b.value ? -1 : 1
  return a.firstPeer < b.firstPeer ? -1 : a.firstPeer > b.firstPeer ? 1 : 0
}

function partitionValues (metrics: readonly Metric[]): Partition[] {
  const out: Partition[] = []
  const byValue = new Map<string, Partition>()
  for (const m of metrics) {
    // Equal free space on two peers must not add up into one heavier bucket, so only metrics
    // flagged partitionable are grouped by value.
    if (!m.partitionable) {
      out.push({ value: m.value, weight: m.weight, aggregatedWeight: m.weight, peers: [m.peer], taken: 0, firstPeer: m.peer })
      continue
    }
    const p = byValue.get(m.value)
    if (p == null) {
      byValue.set(m.value, { value: m.value, weight: m.weight, aggregatedWeight: m.weight, peers: [m.peer], taken: 0, firstPeer: m.peer })
      continue
    }
    p.peers.push(m.peer)
    p.weight += m.weight
    p.aggregatedWeight += m.weight
    if (m.peer < p.firstPeer) p.firstPeer = m.peer
  }
  for (const p of byValue.values()) {
    p.peers.sort()
    out.push(p)
  }
  return out
}

/** Builds the tree over `by` (at least one name). */
export function partitionMetrics (set: MetricsSet, by: readonly string[]): PartitionedMetric {
  const [root, ...rest] = by
  const partitions = partitionValues(set[root] ?? [])
  if (rest.length > 0) {
    for (const part of partitions) {
      const members = new Set(part.peers)
      const filtered: MetricsSet = {}
      for (const [name, metrics] of Object.entries(set)) {
        if (name === root) continue
        filtered[name] = metrics.filter(m => members.has(m.peer))
      }
      part.sub = partitionMetrics(filtered, rest)
      for (const sp of part.sub.partitions) part.aggregatedWeight += sp.aggregatedWeight
    }
  }
  partitions.sort(comparePartitions)
  return new PartitionedMetric(root, partitions)
}
