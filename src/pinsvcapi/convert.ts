// Cluster objects → Pinning Service API objects.
import type { GlobalPinInfo, Pin } from '../api/types.js'
import { SvcStatus, svcStatusName, svcStatusOf } from './status.js'
import { API_INFO } from './types.js'
import type { PinStatus, SvcPin } from './types.js'

/** The pin part of a PinStatus; Go's omitempty drops empty name, origins and meta. */
export function svcPinOf (cid: string, name: string, origins: string[] | null, meta: Record<string, string> | null): SvcPin {
  const pin: SvcPin = { cid }
  if (name !== '') pin.name = name
  if (origins != null && origins.length > 0) pin.origins = [...origins]
  if (meta != null && Object.keys(meta).length > 0) pin.meta = { ...meta }
  return pin
}

/** A CID's status across the peerset; delegates are the IPFS addresses the peers reported. */
export function pinStatusOfGlobal (requestid: string, gpi: GlobalPinInfo): { status: number, value: PinStatus } {
  const status = svcStatusOf(gpi)
  const delegates: string[] = []
  for (const info of Object.values(gpi.peer_map)) delegates.push(...(info.ipfs_peer_addresses ?? []))
  return {
    status,
    value: {
      requestid,
      status: svcStatusName(status),
      created: gpi.created,
      pin: svcPinOf(gpi.cid, gpi.name, gpi.origins, gpi.metadata),
      delegates,
      info: { ...API_INFO }
    }
  }
}

/** The answer to a pin request: always "queued", created when the cluster committed it. */
export function pinStatusOfNewPin (requestid: string, pin: Pin, delegates: string[]): PinStatus {
  return {
    requestid,
    status: svcStatusName(SvcStatus.queued),
    created: pin.timestamp,
    pin: svcPinOf(pin.cid, pin.name, pin.origins, pin.metadata),
    delegates,
    info: { ...API_INFO }
  }
}
