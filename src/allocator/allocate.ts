// Choosing the peers of a pin (upstream allocate.go). Current holders with live metrics are
// kept; new peers are added only to reach rmin, up to rmax; a re-pin of a pin that still has
// rmin healthy holders changes nothing.
import type { Metric } from '../api/types.js'
import { NotEnoughPeersError } from '../api/errors.js'
import { BadReplicationFactorsError } from './errors.js'
import type { Allocator, MetricsSet } from './types.js'

/** pin_only_on_trusted_peers / pin_only_on_untrusted_peers of the cluster section. */
export interface TrustFilter {
  isTrusted: (peer: string) => boolean
  onlyTrusted?: boolean
  onlyUntrusted?: boolean
}

export interface AllocateRequest {
  cid: string
  /** the pin's existing allocations (empty for a new pin) */
  current: readonly string[]
  rmin: number
  rmax: number
  /** peers that must not be chosen (e.g. the failed peer on a repin) */
  blacklist?: readonly string[]
  /** the user's allocations: preferred over other candidates */
  priority?: readonly string[]
  /** the monitor's latest valid metrics of a name (PeerMonitor.latestMetrics) */
  metricsByName: (name: string) => Metric[]
  trust?: TrustFilter
  /**
   * the current peerset: new peers are chosen only among its members, so a peer that just died
   * (ping expired) is not chosen while its other metrics still live. A current holder is kept
   * while its metrics live even when its ping is late: a loaded peer is not a reason to move
   * data (the failed peer of an alert comes in `blacklist`).
   */
  members?: ReadonlySet<string>
}

interface PeerGroup {
  peers: string[]
  set: MetricsSet
}

interface Classified {
  current: PeerGroup
  priority: PeerGroup
  candidate: PeerGroup
}

/**
 * Returns the allocations: [] for "everywhere" (both factors negative), otherwise the kept
 * current holders followed by the new ones. Throws BadReplicationFactorsError or
 * NotEnoughPeersError with upstream's messages.
 */
export function allocate (allocator: Allocator, req: AllocateRequest): string[] {
  const { rmin, rmax } = req
  if (rmin + rmax === 0) throw new BadReplicationFactorsError(rmin, rmax)
  if (rmin < 0 && rmax < 0) return []

  const c = classify(allocator, req)
  const nCurrent = c.current.peers.length
  const needed = rmin - nCurrent
  const wanted = rmax - nCurrent

  // too many holders (rmax was lowered): keep the first ones
  if (wanted < 0) return c.current.peers.slice(0, nCurrent + wanted)
  // enough healthy holders: leave the allocations exactly as they are (dead ones included)
  if (needed <= 0) return [...req.current]

  const available = [...c.priority.peers, ...c.candidate.peers]
  if (available.length < needed) throw new NotEnoughPeersError(needed, wanted, available.length)

  const ordered = allocator.allocate(c.candidate.set, c.priority.set)
  if (ordered.length < needed) throw new NotEnoughPeersError(needed, wanted, ordered.length)
  return [...c.current.peers, ...ordered.slice(0, Math.min(wanted, ordered.length))]
}

/**
 * Every eligible peer (one with a live metric for each allocate_by name, not excluded nor
 * filtered out by trust) in the allocator's order. Erasure placement ranks peers with it.
 */
export function rankPeers (allocator: Allocator, opts: {
  metricsByName: (name: string) => Metric[]
  exclude?: readonly string[]
  trust?: TrustFilter
  members?: ReadonlySet<string>
}): string[] {
  const c = classify(allocator, { cid: '', current: [], rmin: 0, rmax: 0, blacklist: opts.exclude, metricsByName: opts.metricsByName, trust: opts.trust, members: opts.members })
  return allocator.allocate(c.candidate.set, {})
}

/**
 * Splits peers into current holders, user-priority peers and other candidates. A peer counts
 * only if it has a metric for every allocate_by name: a holder whose metrics expired (dead) is
 * not "current", which is what moves data away from failed peers on a repin.
 */
function classify (allocator: Allocator, req: AllocateRequest): Classified {
  const names = allocator.metrics()
  const blacklist = new Set(req.blacklist ?? [])
  const current = new Set(req.current)
  const priority = new Set(req.priority ?? [])
  const trust = req.trust
  const byPeer = new Map<string, Map<string, Metric>>()
  for (const name of names) {
    for (const m of req.metricsByName(name)) {
      if (blacklist.has(m.peer)) continue
      if (req.members != null && !current.has(m.peer) && !req.members.has(m.peer)) continue
      if (trust?.onlyTrusted === true && !trust.isTrusted(m.peer)) continue
      if (trust?.onlyUntrusted === true && trust.isTrusted(m.peer)) continue
      let metrics = byPeer.get(m.peer)
      if (metrics == null) {
        metrics = new Map()
        byPeer.set(m.peer, metrics)
      }
      if (!metrics.has(name)) metrics.set(name, { ...m, name })
    }
  }
  const complete = (peer: string): boolean => byPeer.get(peer)?.size === names.length
  const group = (peers: string[]): PeerGroup => {
    const set: MetricsSet = {}
    for (const name of names) set[name] = []
    for (const p of peers) for (const [name, m] of byPeer.get(p) ?? []) set[name].push(m)
    return { peers, set }
  }
  const currentPeers = unique(req.current).filter(p => byPeer.has(p) && complete(p))
  const priorityPeers = unique(req.priority ?? []).filter(p => !current.has(p) && byPeer.has(p) && complete(p))
  const candidatePeers = [...byPeer.keys()].filter(p => !current.has(p) && !priority.has(p) && complete(p)).sort()
  return { current: group(currentPeers), priority: group(priorityPeers), candidate: group(candidatePeers) }
}

function unique (list: readonly string[]): string[] {
  return [...new Set(list)]
}
