// The balanced allocator (upstream allocator/balanced): spreads allocations across the
// partitions of allocate_by, priority (user-chosen) peers first.
import type { AllocatorConfig } from './config.js'
import { partitionMetrics } from './partition.js'
import type { Allocator, MetricsSet } from './types.js'

export class BalancedAllocator implements Allocator {
  private readonly allocateBy: string[]

  constructor (config: AllocatorConfig) {
    if (config.allocateBy.length === 0) throw new Error('metricalloc.allocate_by is invalid')
    this.allocateBy = [...config.allocateBy]
  }

  metrics (): string[] {
    return [...this.allocateBy]
  }

  allocate (candidates: MetricsSet, priority: MetricsSet): string[] {
    const first = partitionMetrics(priority, this.allocateBy).sortedPeers()
    const last = partitionMetrics(candidates, this.allocateBy).sortedPeers()
    return [...first, ...last]
  }
}
