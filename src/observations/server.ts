// The Prometheus endpoint: GET /metrics on prometheus_endpoint, nothing else. (Upstream's
// endpoint also serves Go's /debug/vars, pprof and zpages, which have no Node equivalent.)
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { errorMessage } from '../api/errors.js'
import { boundMultiaddr, parseListenMultiaddr } from '../restapi/common/multiaddr.js'
import type { ClusterMetrics } from './metrics.js'

export class MetricsServer {
  private readonly metrics: ClusterMetrics
  private readonly logger: Logger
  private server?: Server
  private bound = ''

  constructor (metrics: ClusterMetrics, logger: Logger) {
    this.metrics = metrics
    this.logger = logger
  }

  /** The multiaddr listened on (with the real port when 0 was configured). */
  get address (): string {
    return this.bound
  }

  async listen (endpoint: string): Promise<void> {
    const target = parseListenMultiaddr(endpoint)
    if (target.kind !== 'tcp') throw new Error(`metrics.prometheus_endpoint must be a TCP address: ${endpoint}`)
    const server = createServer((req, res) => { void this.handle(req, res) })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(target.port, target.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.server = server
    this.bound = boundMultiaddr(target, server.address())
  }

  async close (): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server == null) return
    server.closeAllConnections()
    await new Promise<void>(resolve => server.close(() => resolve()))
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end()
      return
    }
    try {
      const body = await this.metrics.exposition()
      res.writeHead(200, { 'Content-Type': this.metrics.contentType })
      res.end(req.method === 'HEAD' ? undefined : body)
    } catch (err) {
      this.logger.error(`metrics: ${errorMessage(err)}`)
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${errorMessage(err)}\n`)
    }
  }
}
