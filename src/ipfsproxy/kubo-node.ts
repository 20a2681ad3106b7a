// The kubo daemon behind the proxy (kubo backend only): requests the cluster does not handle are
// passed through unchanged, and the hijacked answers borrow kubo's CORS and extra headers so
// that browsers see one consistent API (upstream's setHeaders).
import { request as httpRequest } from 'node:http'
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Logger } from 'pino'
import { describeTarget, parseNodeMultiaddr } from '../ipfs/kubo/node-address.js'
import type { NodeTarget } from '../ipfs/kubo/node-address.js'
import { KuboRpcError } from './errors.js'
import { writeChunk } from './respond.js'

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'proxy-authenticate', 'proxy-authorization']
// answered by kubo to an OPTIONS with the caller's Origin (only for non-preflight requests)
const CORS_HEADERS = ['access-control-allow-origin', 'vary', 'access-control-allow-credentials']
const EXTRACT_DEFAULT = ['access-control-expose-headers']

export interface KuboNodeInit {
  node_multiaddress: string
  node_https: boolean
  extract_headers_extra: string[]
  extract_headers_path: string
  extract_headers_ttl: number
  logger: Logger
}

export class KuboNode {
  private readonly target: NodeTarget
  private readonly init: KuboNodeInit
  private extracted?: { at: number, headers: Record<string, string | string[]> }

  constructor (init: KuboNodeInit) {
    this.init = init
    this.target = parseNodeMultiaddr(init.node_multiaddress)
  }

  /** Sends a request to kubo; resolves with its answer (any status). */
  async request (method: string, path: string, headers: OutgoingHttpHeaders, body?: IncomingMessage | Uint8Array, signal?: AbortSignal): Promise<IncomingMessage> {
    const where = this.target.kind === 'unix' ? { socketPath: this.target.socketPath } : { host: this.target.host, port: this.target.port }
    const doRequest = this.init.node_https ? httpsRequest : httpRequest
    return await new Promise((resolve, reject) => {
      const req = doRequest({ ...where, method, path, headers: { ...headers, host: describeTarget(this.target) }, signal }, resolve)
      req.on('error', err => reject(new KuboRpcError(`error reaching IPFS at ${this.init.node_multiaddress}: ${err.message}`, 502)))
      if (body == null) req.end()
      else if (body instanceof Uint8Array) req.end(body)
      else body.pipe(req)
    })
  }

  /** Passes the request through to kubo and its answer back, trailers included. */
  async forward (req: IncomingMessage, res: ServerResponse, signal: AbortSignal, url = req.url ?? '/'): Promise<void> {
    const kres = await this.request(req.method ?? 'POST', url, cleanHeaders(req.headers), req, signal)
    res.writeHead(kres.statusCode ?? 502, cleanHeaders(kres.headers))
    res.flushHeaders()
    for await (const chunk of kres as AsyncIterable<Buffer>) {
      if (!await writeChunk(res, chunk)) {
        kres.destroy()
        return
      }
    }
    if (Object.keys(kres.trailers).length > 0) res.addTrailers(kres.trailers as Record<string, string>)
    res.end()
  }

  /**
   * Headers for a hijacked answer: CORS headers kubo gives this Origin, plus the headers kubo
   * puts on every answer (Access-Control-Expose-Headers and extract_headers_extra), learnt with
   * one POST to extract_headers_path and kept extract_headers_ttl (0 = forever).
   */
  async headersFor (req: IncomingMessage, signal: AbortSignal): Promise<Record<string, string | string[]>> {
    const out: Record<string, string | string[]> = {}
    try {
      const h: OutgoingHttpHeaders = { 'access-control-request-method': req.method ?? 'POST' }
      if (req.headers.origin != null) h.origin = req.headers.origin
      const path = new URL(req.url ?? '/', 'http://x').pathname
      const kres = await this.request('OPTIONS', path, h, undefined, signal)
      kres.resume()
      for (const name of CORS_HEADERS) {
        const v = kres.headers[name]
        if (v != null) out[name] = v
      }
    } catch (err) {
      this.init.logger.warn({ err: (err as Error).message }, 'error making request for header extraction to ipfs')
    }
    Object.assign(out, await this.extractedHeaders(signal))
    return out
  }

  private async extractedHeaders (signal: AbortSignal): Promise<Record<string, string | string[]>> {
    const ttl = this.init.extract_headers_ttl
    if (this.extracted != null && (ttl === 0 || Date.now() - this.extracted.at < ttl)) return this.extracted.headers
    const headers: Record<string, string | string[]> = {}
    try {
      const kres = await this.request('POST', this.init.extract_headers_path, {}, undefined, signal)
      kres.resume()
      for (const name of [...EXTRACT_DEFAULT, ...this.init.extract_headers_extra.map(h => h.toLowerCase())]) {
        const v = kres.headers[name]
        if (v != null) headers[name] = v
      }
      this.extracted = { at: Date.now(), headers }
    } catch (err) {
      this.init.logger.warn({ err: (err as Error).message }, 'error extracting additional headers from ipfs')
      return this.extracted?.headers ?? {}
    }
    return headers
  }
}

function cleanHeaders (h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  for (const [k, v] of Object.entries(h)) {
    if (v == null || HOP_BY_HOP.includes(k) || k === 'host') continue
    out[k] = v
  }
  return out
}
