// Kubo's error answers: `{Message, Code, Type: "error"}` where Code is go-ipfs-cmds' ErrorType
// (0 normal → HTTP 500, 1 client → 400, 2 implementation, 3 rate-limited → 429, 4 forbidden →
// 403, 5 not found → 404). Handlers throw KuboRpcError; anything else answers 500 / Code 0.
import { errorMessage } from '../api/errors.js'

export const KuboErrorCode = {
  normal: 0,
  client: 1,
  implementation: 2,
  rateLimited: 3,
  forbidden: 4,
  notFound: 5
} as const

export interface KuboErrorBody {
  Message: string
  Code: number
  Type: 'error'
}

export class KuboRpcError extends Error {
  readonly status: number
  readonly code: number
  constructor (message: string, status = 500, code: number = KuboErrorCode.normal) {
    super(message)
    this.name = 'KuboRpcError'
    this.status = status
    this.code = code
  }
}

/** A missing or malformed argument: kubo's 400 / Code 1. */
export function clientError (message: string): KuboRpcError {
  return new KuboRpcError(message, 400, KuboErrorCode.client)
}

export function kuboErrorBody (err: unknown): { status: number, body: KuboErrorBody } {
  if (err instanceof KuboRpcError) return { status: err.status, body: { Message: err.message, Code: err.code, Type: 'error' } }
  return { status: 500, body: { Message: errorMessage(err), Code: KuboErrorCode.normal, Type: 'error' } }
}
