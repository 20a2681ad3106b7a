// Pin constructors and the semantics upstream attaches to Pin fields (api/types.go).
import { ZERO_TIME } from './types.js'
import type { Pin, PinInfoShort, PinOptions, PinType, GlobalPinInfo, PinInfo } from './types.js'
import { isZeroTime } from '../common/time.js'

export function defaultPinOptions (): PinOptions {
  return {
    replication_factor_min: 0,
    replication_factor_max: 0,
    name: '',
    mode: 'recursive',
    shard_size: 0,
    user_allocations: null,
    expire_at: ZERO_TIME,
    metadata: null,
    pin_update: null,
    origins: null
  }
}

/** A pin of the given type with the given options; fields are in upstream's output order. */
export function newPin (cid: string, opts: PinOptions, type: PinType = 'pin'): Pin {
  return {
    replication_factor_min: opts.replication_factor_min,
    replication_factor_max: opts.replication_factor_max,
    name: opts.name,
    mode: opts.mode,
    shard_size: opts.shard_size,
    user_allocations: opts.user_allocations,
    expire_at: opts.expire_at,
    metadata: opts.metadata,
    pin_update: opts.pin_update,
    origins: opts.origins,
    cid,
    type,
    allocations: [],
    max_depth: opts.mode === 'direct' ? 0 : -1,
    reference: null,
    timestamp: ZERO_TIME
  }
}

/** Pin everywhere ⇔ rmin == -1 and rmax == -1. */
export function isPinEverywhere (pin: Pin): boolean {
  return pin.replication_factor_min === -1 && pin.replication_factor_max === -1
}

/** Remote for a peer ⇔ not everywhere and the peer is not among the allocations. */
export function isRemotePin (pin: Pin, peer: string): boolean {
  if (isPinEverywhere(pin)) return false
  return !(pin.allocations ?? []).includes(peer)
}

export function isExpired (pin: Pin, now = Date.now()): boolean {
  return !isZeroTime(pin.expire_at) && Date.parse(pin.expire_at) < now
}

export function modeOfDepth (maxDepth: number): 'recursive' | 'direct' {
  return maxDepth === 0 ? 'direct' : 'recursive'
}

/** Fills fields absent from a pin decoded from JSON with Go's zero values (state import does this). */
export function normalizePin (p: Partial<Pin> & { cid: string }): Pin {
  const maxDepth = typeof p.max_depth === 'number' ? p.max_depth : 0
  const pin: Pin = {
    replication_factor_min: p.replication_factor_min ?? 0,
    replication_factor_max: p.replication_factor_max ?? 0,
    name: p.name ?? '',
    mode: modeOfDepth(maxDepth),
    shard_size: p.shard_size ?? 0,
    user_allocations: null,
    expire_at: p.expire_at ?? ZERO_TIME,
    metadata: p.metadata != null && Object.keys(p.metadata).length > 0 ? p.metadata : null,
    pin_update: p.pin_update ?? null,
    origins: p.origins != null && p.origins.length > 0 ? p.origins : null,
    cid: p.cid,
    type: p.type ?? 'bad-type',
    allocations: p.allocations ?? [],
    max_depth: maxDepth,
    reference: p.reference ?? null,
    timestamp: p.timestamp ?? ZERO_TIME
  }
  if (p.erasure != null) pin.erasure = p.erasure
  return pin
}

export function globalPinInfoOf (pin: Pin | undefined, cid: string): GlobalPinInfo {
  return {
    cid,
    name: pin?.name ?? '',
    allocations: pin?.allocations ?? null,
    origins: pin?.origins ?? null,
    created: pin?.timestamp ?? ZERO_TIME,
    metadata: pin?.metadata ?? null,
    peer_map: {}
  }
}

export function shortOf (info: PinInfo): PinInfoShort {
  const s: PinInfoShort = {
    peername: info.peername,
    status: info.status,
    timestamp: info.timestamp,
    error: info.error,
    attempt_count: info.attempt_count,
    priority_pin: info.priority_pin
  }
  if (info.ipfs_peer_id != null && info.ipfs_peer_id !== '') s.ipfs_peer_id = info.ipfs_peer_id
  if (info.ipfs_peer_addresses != null && info.ipfs_peer_addresses.length > 0) s.ipfs_peer_addresses = info.ipfs_peer_addresses
  return s
}

/** Wraps per-peer PinInfos (of one CID) into the GlobalPinInfo the REST API returns. */
export function toGlobalPinInfo (infos: PinInfo[]): GlobalPinInfo {
  const first = infos[0]
  const gpi: GlobalPinInfo = {
    cid: first.cid,
    name: first.name,
    allocations: first.allocations,
    origins: first.origins,
    created: first.created,
    metadata: first.metadata,
    peer_map: {}
  }
  for (const info of infos) gpi.peer_map[info.peer] = shortOf(info)
  return gpi
}
