// What differs between the HTTP APIs built on the common layer (REST API, Pinning Service API):
// their config, their loggers and the shape of their error bodies.
import type { Logger } from 'pino'
import type { HttpApiConfig } from './config.js'

export interface ApiProfile {
  /** the config key, e.g. "restapi": used in log lines */
  readonly name: string
  readonly config: HttpApiConfig
  readonly logger: Logger
  /** where access-log lines go when no http_log_file is configured (upstream's "restapilog") */
  readonly requestLogger: Logger
  /** the body of an error answer: REST `{code, message}`, pinsvc `{error: {reason}}` */
  errorBody (status: number, message: string): unknown
}

/** The realm of the WWW-Authenticate challenges, the same for every upstream API. */
export const AUTH_REALM = 'Restricted IPFS Cluster API'
