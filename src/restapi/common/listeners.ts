// One HTTP(S) server per http_listen_multiaddress, all serving the same request handler, with
// upstream's server limits: max_header_bytes (Node answers 431 beyond it), read/read-header/
// idle timeouts, and write_timeout as a deadline on the whole response.
import { createServer as createHttpServer } from 'node:http'
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { readFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import type { HttpApiConfig } from './config.js'
import { boundMultiaddr, parseListenMultiaddr } from './multiaddr.js'
import type { ListenTarget } from './multiaddr.js'

export interface Listener {
  server: Server
  address: string
}

function resolvePath (cfg: HttpApiConfig, p: string): string {
  return isAbsolute(p) ? p : join(cfg.base_dir, p)
}

/** Upstream's TLS settings: TLS ≥ 1.2, P-521/P-384/P-256, AES-256 suites for TLS 1.2. */
async function tlsOptions (cfg: HttpApiConfig): Promise<Record<string, unknown> | undefined> {
  if (cfg.ssl_cert_file === '' && cfg.ssl_key_file === '') return undefined
  try {
    return {
      cert: await readFile(resolvePath(cfg, cfg.ssl_cert_file)),
      key: await readFile(resolvePath(cfg, cfg.ssl_key_file)),
      minVersion: 'TLSv1.2',
      ecdhCurve: 'P-521:P-384:P-256',
      ciphers: 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-SHA:AES256-GCM-SHA384:AES256-SHA:' +
        'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256',
      honorCipherOrder: true
    }
  } catch (err: any) {
    throw new Error(`Error loading TLS certficate/key: ${err.message}`)
  }
}

function serverOptions (cfg: HttpApiConfig): Record<string, unknown> {
  // Go: a zero ReadHeaderTimeout/IdleTimeout falls back to ReadTimeout; zero means none.
  const requestTimeout = cfg.read_timeout
  let headersTimeout = cfg.read_header_timeout > 0 ? cfg.read_header_timeout : cfg.read_timeout
  if (requestTimeout > 0 && headersTimeout > requestTimeout) headersTimeout = requestTimeout
  return {
    maxHeaderSize: cfg.max_header_bytes,
    requestTimeout,
    headersTimeout,
    keepAliveTimeout: cfg.idle_timeout > 0 ? cfg.idle_timeout : cfg.read_timeout,
    keepAlive: true
  }
}

function withWriteDeadline (cfg: HttpApiConfig, handler: RequestListener): RequestListener {
  if (cfg.write_timeout <= 0) return handler
  return (req: IncomingMessage, res: ServerResponse) => {
    const timer = setTimeout(() => res.destroy(), cfg.write_timeout)
    res.once('close', () => clearTimeout(timer))
    handler(req, res)
  }
}

async function listen (server: Server, target: ListenTarget): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    const ok = (): void => {
      server.off('error', reject)
      resolve()
    }
    if (target.kind === 'unix') server.listen(target.path, ok)
    else server.listen({ host: target.host, port: target.port, ipv6Only: target.family === 6 }, ok)
  })
}

/** Starts every listener; on any failure the ones already started are closed again. */
export async function startListeners (cfg: HttpApiConfig, handler: RequestListener): Promise<Listener[]> {
  if (cfg.http_listen_multiaddress.length === 0) throw new Error('neither the libp2p nor the HTTP endpoints are enabled')
  const tls = await tlsOptions(cfg)
  const opts = serverOptions(cfg)
  const wrapped = withWriteDeadline(cfg, handler)
  const started: Listener[] = []
  try {
    for (const addr of cfg.http_listen_multiaddress) {
      const target = parseListenMultiaddr(addr)
      const server = tls != null ? createHttpsServer({ ...opts, ...tls }, wrapped) : createHttpServer(opts, wrapped)
      server.setTimeout(0)
      await listen(server, target)
      started.push({ server, address: boundMultiaddr(target, server.address()) })
    }
  } catch (err) {
    await stopListeners(started, 0)
    throw err
  }
  return started
}

/**
 * Stops accepting, closes idle connections at once and gives busy ones `graceMs` to finish
 * before cutting them.
 */
export async function stopListeners (listeners: Listener[], graceMs: number): Promise<void> {
  await Promise.all(listeners.map(async ({ server }) => {
    const closed = new Promise<void>(resolve => server.close(() => resolve()))
    server.closeIdleConnections()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([closed, new Promise<void>(resolve => { timer = setTimeout(resolve, graceMs) })])
    clearTimeout(timer)
    server.closeAllConnections()
    await closed
  }))
}
