// GET /pins: the pins matching the list options, newest first, at most `limit` of them, with
// the number of all matches. Upstream returns them in pinset order; newest first is what the
// spec's pagination needs (clients ask for the next page with `before` = the oldest `created`
// they got), and is no different for clients that do not page.
import type { GlobalPinInfo } from '../api/types.js'
import type { ClusterAPI } from '../cluster/api.js'
import { pinStatusOfGlobal } from './convert.js'
import { matchesFilters } from './list-options.js'
import type { ListOptions } from './list-options.js'
import { SvcStatus, trackerFilterOfSvc } from './status.js'
import type { PinList, PinStatus } from './types.js'

export type ListCluster = Pick<ClusterAPI, 'status' | 'statusAll'>

/** Keeps the `limit` newest items seen so far; ties keep arrival order. */
class NewestFirst {
  private readonly items: Array<{ t: number, value: PinStatus }> = []
  private readonly limit: number

  constructor (limit: number) {
    this.limit = limit
  }

  add (value: PinStatus): void {
    const t = Date.parse(value.created)
    const time = Number.isNaN(t) ? -Infinity : t
    if (this.items.length >= this.limit && time <= this.items[this.items.length - 1].t) return
    let i = this.items.length
    while (i > 0 && this.items[i - 1].t < time) i--
    this.items.splice(i, 0, { t: time, value })
    if (this.items.length > this.limit) this.items.pop()
  }

  get values (): PinStatus[] {
    return this.items.map(i => i.value)
  }
}

export async function listPins (cluster: ListCluster, opts: ListOptions, signal?: AbortSignal): Promise<PinList> {
  const page = new NewestFirst(opts.limit)
  let count = 0
  for await (const gpi of opts.cids.length > 0 ? statusOfCids(cluster, opts.cids, signal) : cluster.statusAll(trackerFilterOfSvc(opts.status), false, { signal })) {
    const { status, value } = pinStatusOfGlobal(gpi.cid, gpi)
    // undefined: e.g. unpinning, or not in the pinset
    if (status === SvcStatus.undefined) continue
    // upstream only narrows the tracker statuses; a pin pinned on one peer and failed on another
    // matches "pinned" there but is reported "failed": the aggregated status is checked here
    if (opts.status !== 0 && (status & opts.status) === 0) continue
    if (!matchesFilters(value, opts)) continue
    count++
    page.add(value)
  }
  return { count, results: page.values }
}

/** Status of every listed CID, asked concurrently; one failure fails the list, as upstream. */
async function * statusOfCids (cluster: ListCluster, cids: string[], signal?: AbortSignal): AsyncIterable<GlobalPinInfo> {
  const results = await Promise.allSettled([...new Set(cids)].map(async cid => await cluster.status(cid, false, { signal })))
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failures.length === 1) throw failures[0].reason
  if (failures.length > 1) throw new AggregateError(failures.map(f => f.reason), failures.map(f => String(f.reason?.message ?? f.reason)).join('; '))
  for (const r of results) if (r.status === 'fulfilled') yield r.value
}
