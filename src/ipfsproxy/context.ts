// What a proxy handler gets: the request, its parsed query, a signal that aborts when the
// client goes away, and the components it may call.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { ClusterAPI } from '../cluster/api.js'
import type { IpfsConnector } from '../ipfs/connector.js'
import type { IPFSRepoStat } from '../api/types.js'
import type { KuboNode } from './kubo-node.js'
import { clientError } from './errors.js'

export interface ProxyDeps {
  cluster: ClusterAPI
  ipfs: IpfsConnector
  /** the kubo daemon behind the proxy; undefined with the embedded node (served locally) */
  node?: KuboNode
  /** repo/stat summed over the cluster's peers */
  repoStat: (signal: AbortSignal) => Promise<IPFSRepoStat>
  logger: Logger
}

export interface ProxyCall {
  req: IncomingMessage
  res: ServerResponse
  /** the command path after /api/v0/, e.g. "pin/add" */
  command: string
  query: URLSearchParams
  signal: AbortSignal
  deps: ProxyDeps
}

export type ProxyHandler = (call: ProxyCall) => Promise<void>

/** The first `arg`, or a 400 with kubo's text when it is missing. */
export function requireArg (call: ProxyCall, name: string): string {
  const v = call.query.get('arg')
  if (v == null || v === '') throw clientError(`argument "${name}" is required`)
  return v
}
