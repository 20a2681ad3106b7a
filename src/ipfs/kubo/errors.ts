// Errors of the kubo connector. Kubo answers failures with {Message, Code, Type}; upstream wraps
// them as "IPFS error (<path>). Code: <status>. Message: <message>", and some callers decide on
// the message (a "not pinned" answer to pin/rm or pin/ls is not a failure).
import { IpfsError } from '../errors.js'

export class KuboApiError extends IpfsError {
  /** the RPC path, e.g. "pin/add" */
  readonly path: string
  /** the HTTP status kubo answered with */
  readonly status: number
  /** kubo's own Message, unwrapped */
  readonly kuboMessage: string
  /** kubo's error Code (0 normal, 1 client error, …) */
  readonly kuboCode: number

  constructor (path: string, status: number, kuboMessage: string, kuboCode = 0) {
    super(`IPFS error (${path}). Code: ${status}. Message: ${kuboMessage}`)
    this.name = 'KuboApiError'
    this.path = path
    this.status = status
    this.kuboMessage = kuboMessage
    this.kuboCode = kuboCode
  }

  /** kubo's "not pinned" / "not pinned or pinned indirectly" answers */
  get notPinned (): boolean {
    return /not pinned( or pinned indirectly)?$/.test(this.kuboMessage)
  }

  /** kubo's answers for a block it does not have (offline block/stat, block/get) */
  get notFound (): boolean {
    return /not found|could not find/i.test(this.kuboMessage)
  }
}

/** kubo answered something that is not a kubo error body (wrong address, not kubo, proxy page…). */
export class KuboResponseError extends IpfsError {
  readonly path: string
  readonly status: number
  constructor (path: string, status: number, body: string) {
    super(`IPFS request failed (is it running?) (${path}). Code ${status}: ${body.slice(0, 512)}`)
    this.name = 'KuboResponseError'
    this.path = path
    this.status = status
  }
}

/** kubo could not be reached at all (connection refused, DNS, socket missing). */
export class KuboUnreachableError extends IpfsError {
  constructor (path: string, cause: unknown) {
    super(`error posting to IPFS (${path}): ${(cause as Error)?.message ?? String(cause)}`, { cause })
    this.name = 'KuboUnreachableError'
  }
}
