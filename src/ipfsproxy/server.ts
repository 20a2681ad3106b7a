// The IPFS proxy (upstream's api/ipfsproxy): an HTTP server that looks like kubo's RPC API.
// Calls that concern the cluster (pins, add, repo stat/gc, block/dag put with pin=true) go
// through the cluster; everything else goes to kubo at node_multiaddress — or, with the embedded
// node, is served from the IpfsConnector. So `ipfs --api /ip4/127.0.0.1/tcp/9095 …` and
// kubo-rpc-client work against either backend.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { VERSION } from '../api/types.js'
import type { IPFSRepoStat } from '../api/types.js'
import { errorMessage } from '../api/errors.js'
import type { ClusterAPI } from '../cluster/api.js'
import type { IpfsConnector } from '../ipfs/connector.js'
import { AccessLog } from '../restapi/common/access-log.js'
import { defaultHttpApiConfig } from '../restapi/common/config.js'
import type { HttpApiConfig } from '../restapi/common/config.js'
import { startListeners, stopListeners } from '../restapi/common/listeners.js'
import type { Listener } from '../restapi/common/listeners.js'
import type { ApiProfile } from '../restapi/common/profile.js'
import type { IpfsProxyConfig } from './config.js'
import type { ProxyCall, ProxyDeps, ProxyHandler } from './context.js'
import { KuboErrorCode, KuboRpcError, kuboErrorBody } from './errors.js'
import { KuboNode } from './kubo-node.js'
import { sendKuboError } from './respond.js'
import { CLUSTER_COMMANDS, CLUSTER_METHODS, NODE_COMMANDS, SLASH_ARG_COMMANDS } from './routes.js'

export interface IpfsProxyInit {
  config: IpfsProxyConfig
  cluster: ClusterAPI
  ipfs: IpfsConnector
  /** true with the kubo backend: what the cluster does not handle goes to node_multiaddress */
  forwardToNode: boolean
  /** repo/stat summed over the cluster (see clusterRepoStat) */
  repoStat: (signal: AbortSignal) => Promise<IPFSRepoStat>
  logger: Logger
}

const API_PREFIX = '/api/v0/'
const SHUTDOWN_GRACE_MS = 2_000

/**
 * A kubo RPC command the embedded node does not serve: 501 Not Implemented with kubo's error
 * body ({Message, Code: 0, Type: "error"}), naming what is served, rather than a 404 that reads
 * as "no such command".
 */
export function notImplemented (pathname: string): KuboRpcError {
  const command = pathname.slice(API_PREFIX.length).replace(/\/+$/, '')
  const served = [...Object.keys(CLUSTER_COMMANDS), ...Object.keys(NODE_COMMANDS)].sort().join(', ')
  return new KuboRpcError(`${command === '' ? pathname : command} is not implemented by the cluster's IPFS proxy on the embedded IPFS node ` +
    `(served: ${served})`, 501, KuboErrorCode.normal)
}

export class IpfsProxy {
  private readonly init: IpfsProxyInit
  private readonly deps: ProxyDeps
  private readonly http: HttpApiConfig
  private readonly profile: ApiProfile
  private readonly inflight = new Set<AbortController>()
  private listeners: Listener[] = []
  private accessLog?: AccessLog

  constructor (init: IpfsProxyInit) {
    this.init = init
    const cfg = init.config
    const node = init.forwardToNode
      ? new KuboNode({ ...cfg, logger: init.logger })
      : undefined
    this.deps = { cluster: init.cluster, ipfs: init.ipfs, node, repoStat: init.repoStat, logger: init.logger }
    this.http = {
      ...defaultHttpApiConfig(cfg.listen_multiaddress[0]),
      http_listen_multiaddress: cfg.listen_multiaddress,
      read_timeout: cfg.read_timeout,
      read_header_timeout: cfg.read_header_timeout,
      write_timeout: cfg.write_timeout,
      idle_timeout: cfg.idle_timeout,
      max_header_bytes: cfg.max_header_bytes,
      http_log_file: cfg.log_file,
      base_dir: cfg.base_dir
    }
    this.profile = {
      name: 'ipfsproxy',
      config: this.http,
      logger: init.logger,
      requestLogger: init.logger.child({ name: 'ipfsproxylog' }),
      errorBody: (_status, message) => kuboErrorBody(new Error(message)).body
    }
  }

  get addresses (): string[] {
    return this.listeners.map(l => l.address)
  }

  async start (): Promise<void> {
    const accessLog = new AccessLog(this.profile)
    this.accessLog = accessLog
    this.listeners = await startListeners(this.http, (req, res) => {
      accessLog.track(req, res)
      void this.handle(req, res)
    })
    const target = this.init.forwardToNode ? this.init.config.node_multiaddress : 'embedded IPFS node'
    for (const a of this.addresses) this.init.logger.info(`IPFS Proxy: ${a} -> ${target}`)
  }

  async stop (): Promise<void> {
    for (const ac of this.inflight) ac.abort(new Error('IPFS proxy shutting down'))
    await stopListeners(this.listeners, SHUTDOWN_GRACE_MS)
    this.listeners = []
    await this.accessLog?.close()
    this.accessLog = undefined
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ac = new AbortController()
    this.inflight.add(ac)
    res.once('close', () => {
      this.inflight.delete(ac)
      if (!res.writableFinished) ac.abort(new Error('client disconnected'))
    })
    try {
      const url = new URL(req.url ?? '/', 'http://proxy')
      const route = this.route(req.method ?? 'GET', url)
      if (route == null) {
        if (this.deps.node != null) await this.deps.node.forward(req, res, ac.signal)
        else if (url.pathname.startsWith(API_PREFIX)) sendKuboError(res, notImplemented(url.pathname))
        else {
          // not an RPC path: kubo's mux answer
          res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' })
          res.end('404 page not found\n')
        }
        return
      }
      const call: ProxyCall = { req, res, command: route.command, query: route.query, signal: ac.signal, deps: this.deps }
      await this.setHeaders(req, res, ac.signal)
      await route.handler(call)
    } catch (err) {
      if (!ac.signal.aborted) this.init.logger.debug({ url: req.url, err: errorMessage(err) }, 'ipfs proxy call failed')
      sendKuboError(res, err)
    } finally {
      // a handler that did not read the request body must not leave the client hanging on it
      if (!req.readableEnded) req.resume()
    }
  }

  private route (method: string, url: URL): { handler: ProxyHandler, command: string, query: URLSearchParams } | undefined {
    if (!url.pathname.startsWith(API_PREFIX)) return undefined
    const command = url.pathname.slice(API_PREFIX.length).replace(/\/+$/, '')
    const query = url.searchParams
    if (CLUSTER_METHODS.includes(method)) {
      const h = CLUSTER_COMMANDS[command]
      if (h != null) return { handler: h, command, query }
      for (const c of SLASH_ARG_COMMANDS) {
        if (command.startsWith(`${c}/`)) {
          // upstream's "undocumented form": /pin/add/<arg> means ?arg=<arg>
          query.set('arg', decodeURIComponent(command.slice(c.length + 1)))
          return { handler: CLUSTER_COMMANDS[c], command: c, query }
        }
      }
    }
    if (this.deps.node != null) return undefined
    const h = NODE_COMMANDS[command]
    if (h == null) return undefined
    // kubo takes POST only (CSRF); GET version stays open because upstream's sharness polls it
    if (method !== 'POST' && !(method === 'GET' && command === 'version')) {
      return { handler: async () => { throw new KuboRpcError(`${method} not allowed: kubo's RPC API takes POST`, 405, KuboErrorCode.client) }, command, query }
    }
    return { handler: h, command, query }
  }

  /** Upstream's headers on the cluster's own answers: kubo's CORS and extracted headers, then ours. */
  private async setHeaders (req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    if (this.deps.node != null) {
      for (const [k, v] of Object.entries(await this.deps.node.headersFor(req, signal))) res.setHeader(k, v)
    }
    res.setHeader('Content-Type', 'application/json')
    res.setHeader('Server', `ipfs-cluster/ipfsproxy/${VERSION}`)
  }
}
