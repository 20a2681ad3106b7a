// Wire shapes of the IPFS Pinning Service API as upstream writes them (api/pinsvcapi/pinsvc).
import type { SvcStatusName } from './status.js'

/** A pin as the Pinning Service API sees it; empty optional fields are omitted. */
export interface SvcPin {
  cid: string
  name?: string
  origins?: string[]
  meta?: Record<string, string>
}

export interface PinStatus {
  requestid: string
  status: SvcStatusName
  created: string
  pin: SvcPin
  delegates: string[]
  info: Record<string, string>
}

export interface PinList {
  /** every match, not capped by the limit */
  count: number
  results: PinStatus[]
}

export interface PinSvcErrorBody {
  error: { reason: string, details?: string }
}

/** Attached to every PinStatus, as upstream: the request ID is the CID. */
export const API_INFO: Readonly<Record<string, string>> = Object.freeze({
  source: 'IPFS cluster API',
  warning1: 'CID used for requestID. Conflicts possible',
  warning2: 'experimental'
})

/** Names longer than this are refused (the spec's limit, in bytes as upstream counts). */
export const MAX_NAME_BYTES = 255

/** The error body of every answer of this API, including the common layer's 401/404. */
export function pinSvcErrorBody (_status: number, message: string): PinSvcErrorBody {
  return { error: { reason: message } }
}
