// The Pinning Service API's pin status (upstream pinsvc.Status) and how it relates to the
// cluster's tracker statuses. A pin's status is computed from the OR of every peer's tracker
// status, checked in upstream's order: any error → failed, then queued, pinning, pinned.
import { TrackerStatus, TrackerStatusFilters } from '../api/types.js'
import type { GlobalPinInfo } from '../api/types.js'

export const SvcStatus = {
  undefined: 0,
  queued: 2,
  pinned: 4,
  pinning: 8,
  failed: 16
} as const
export type SvcStatusName = keyof typeof SvcStatus

const ERROR_MASK = TrackerStatusFilters.error

/** Upstream's bitmask Match: a zero filter or a zero status matches everything. */
function matches (status: number, filter: number): boolean {
  return filter === 0 || status === 0 || (status & filter) !== 0
}

/**
 * A comma list of status names (spaces ignored) OR-ed together; unknown names are ignored,
 * so the caller decides whether an all-unknown list is an error.
 */
export function svcStatusFromString (text: string): number {
  let mask = 0
  for (const name of text.replace(/ /g, '').split(',')) {
    if (Object.hasOwn(SvcStatus, name)) mask |= SvcStatus[name as SvcStatusName]
  }
  return mask
}

export function svcStatusName (status: number): SvcStatusName {
  for (const [name, value] of Object.entries(SvcStatus)) {
    if (value === status) return name as SvcStatusName
  }
  return 'undefined'
}

/**
 * The pinsvc status of a mask of tracker statuses. As upstream, an empty mask matches the first
 * case (failed): a pin that no peer reports anything for is not healthy.
 */
export function svcStatusOfTracker (mask: number): number {
  if (matches(mask, ERROR_MASK)) return SvcStatus.failed
  if (matches(mask, TrackerStatus.pin_queued)) return SvcStatus.queued
  if (matches(mask, TrackerStatus.pinning)) return SvcStatus.pinning
  if (matches(mask, TrackerStatus.pinned)) return SvcStatus.pinned
  return SvcStatus.undefined
}

/** The tracker-status filter that selects the pins a pinsvc status filter asks for. */
export function trackerFilterOfSvc (filter: number): number {
  let mask = 0
  if (matches(filter, SvcStatus.failed)) mask |= ERROR_MASK
  if (matches(filter, SvcStatus.queued)) mask |= TrackerStatus.pin_queued
  if (matches(filter, SvcStatus.pinned)) mask |= TrackerStatus.pinned
  if (matches(filter, SvcStatus.pinning)) mask |= TrackerStatus.pinning
  return mask
}

/** The aggregated pinsvc status of a CID across the peerset. */
export function svcStatusOf (gpi: GlobalPinInfo): number {
  let mask = 0
  for (const info of Object.values(gpi.peer_map)) mask |= TrackerStatus[info.status] ?? 0
  return svcStatusOfTracker(mask)
}
