// One HTTP request to one target over node:http / node:https. Not fetch: the CLI must read the
// X-Stream-Error trailer of streaming answers, and send request bodies chunked while they are
// produced (multipart adds stream files from disk, so a body is never held in memory).
import http from 'node:http'
import https from 'node:https'
import type { IncomingMessage } from 'node:http'
import { once } from 'node:events'
import type { Duplex } from 'node:stream'
import { ApiError } from './errors.js'
import { targetUrl } from './target.js'
import type { Target } from './target.js'

export interface TransportOptions {
  ssl: boolean
  noVerifyCert: boolean
  username?: string
  password?: string
  /** whole-request timeout in ms (0 = none), like Go's http.Client.Timeout */
  timeoutMs: number
  debug?: (msg: string) => void
  /** cluster secret (pnet) for libp2p targets */
  secret?: Uint8Array
}

export interface RequestSpec {
  method: string
  /** path and query, starting with "/" */
  path: string
  headers?: Record<string, string>
  /** body chunks; the request is sent with Transfer-Encoding: chunked */
  body?: AsyncIterable<Uint8Array>
  /**
   * Called with each body chunk whose memory the connection no longer needs (the socket's
   * write finished: the kernel, or TLS, has the bytes), so that its buffer can be used again.
   * Never over libp2p: there noise may still hold a chunk's bytes after its stream write
   * finished.
   */
  onWritten?: (chunk: Uint8Array) => void
  signal?: AbortSignal
}

// libp2p is loaded only by a run that talks to a libp2p endpoint (it is slow to load)
let libp2pModule: Promise<typeof import('./libp2p.js')> | undefined
async function libp2pClient (): Promise<typeof import('./libp2p.js')> {
  libp2pModule ??= import('./libp2p.js')
  return await libp2pModule
}

/** Stops the libp2p client of this run, if one was started. */
export async function stopLibp2pClients (): Promise<void> {
  if (libp2pModule != null) await (await libp2pModule).stopLibp2pClients()
}

/** Go's url.Error prefix: "Get", "Post", "Delete". */
function goOp (method: string): string {
  return method.charAt(0).toUpperCase() + method.slice(1).toLowerCase()
}

function connectionMessage (spec: RequestSpec, t: Target, url: string, err: any): string {
  const op = `${goOp(spec.method)} "${url}"`
  if (t.kind === 'libp2p') return `${op}: dial ${t.addr}: ${err?.message ?? String(err)}`
  const where = t.kind === 'unix' ? `unix ${t.path}` : `tcp ${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`
  switch (err?.code) {
    case 'ECONNREFUSED': return `${op}: dial ${where}: connect: connection refused`
    case 'ENOENT': return `${op}: dial ${where}: connect: no such file or directory`
    case 'ECONNRESET': return `${op}: read ${where}: connection reset by peer`
    case 'EHOSTUNREACH': return `${op}: dial ${where}: connect: no route to host`
    case 'ENOTFOUND': return `${op}: dial ${where}: no such host`
    default: return `${op}: ${err?.message ?? String(err)}`
  }
}

/** The request's abort signal: the caller's, and the whole-request timeout. */
export function requestSignal (opts: TransportOptions, spec: RequestSpec): AbortSignal | undefined {
  const signals: AbortSignal[] = []
  if (spec.signal != null) signals.push(spec.signal)
  if (opts.timeoutMs > 0) signals.push(AbortSignal.timeout(opts.timeoutMs))
  return signals.length > 0 ? AbortSignal.any(signals) : undefined
}

/** The request's headers: its own, and basic auth when a user name is set. */
export function requestHeaders (opts: TransportOptions, spec: RequestSpec): Record<string, string> {
  const headers: Record<string, string> = { ...(spec.headers ?? {}) }
  if (opts.username != null && opts.username !== '') {
    headers.Authorization = 'Basic ' + Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64')
  }
  return headers
}

/** A failure before the answer's headers, as upstream's client words it (ApiError code 0). */
export function requestFailure (t: Target, spec: RequestSpec, url: string, signal: AbortSignal | undefined, err: any): ApiError {
  if (signal?.aborted === true) {
    const reason = signal.reason
    const msg = reason?.name === 'TimeoutError'
      ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
      : 'context canceled'
    return new ApiError(0, `${goOp(spec.method)} "${url}": ${msg}`)
  }
  return new ApiError(0, connectionMessage(spec, t, url, err))
}

/**
 * Sends a request and resolves with the response once its headers arrived. Failures before
 * that (refused, reset, TLS, timeout, abort) reject with ApiError code 0, as upstream.
 * The returned response keeps the timeout running until its body has been consumed.
 */
export async function sendRequest (t: Target, opts: TransportOptions, spec: RequestSpec): Promise<IncomingMessage> {
  const url = targetUrl(t, opts.ssl) + spec.path
  opts.debug?.(`${spec.method}: ${url}`)
  const signal = requestSignal(opts, spec)
  signal?.throwIfAborted()

  const headers = requestHeaders(opts, spec)
  const common = { method: spec.method, path: spec.path, headers, signal }
  let req: http.ClientRequest
  if (t.kind === 'unix') {
    req = http.request({ ...common, socketPath: t.path, host: 'unix' })
  } else if (t.kind === 'libp2p') {
    // HTTP over a libp2p stream (already encrypted by noise: never TLS on top)
    req = http.request({
      ...common,
      host: t.peer,
      createConnection: ((_o: unknown, done: (err: Error | null, s?: Duplex) => void) => {
        libp2pClient().then(async m => await m.dialLibp2pHttp(t.addr, opts.secret, signal)).then(s => { done(null, s) }, err => { done(err) })
        return undefined
      }) as any
    })
  } else if (opts.ssl) {
    req = https.request({
      ...common,
      host: t.host,
      port: t.port,
      family: t.family,
      servername: /^[\d.]+$|:/.test(t.servername) ? undefined : t.servername,
      rejectUnauthorized: !opts.noVerifyCert,
      minVersion: 'TLSv1.2'
    })
  } else {
    req = http.request({ ...common, host: t.host, port: t.port, family: t.family })
  }

  const failed = (err: any): ApiError => requestFailure(t, spec, url, signal, err)

  // A body that fails (unreadable file) is the user's error, not a connection failure: it is
  // kept apart so that it is reported as such and does not trigger fail-over.
  let uploadError: unknown
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve)
    req.once('error', err => { reject(uploadError ?? failed(err)) })
  })
  // The server may answer before the body is fully sent (/add streams results while files
  // are still uploading); the writer runs on its own and only records its failure.
  const writing = writeBody(req, spec.body, t.kind === 'libp2p' ? undefined : spec.onWritten).catch((err) => {
    uploadError = err
    req.destroy(err)
  })
  const res = await response
  uploadErrors.set(res, () => uploadError)
  // later socket errors surface while reading the body; keep them off the request emitter
  req.on('error', () => {})
  void writing
  return res
}

async function writeBody (req: http.ClientRequest, body?: AsyncIterable<Uint8Array>, onWritten?: (chunk: Uint8Array) => void): Promise<void> {
  if (body == null) {
    req.end()
    return
  }
  // no Content-Length: node sends Transfer-Encoding: chunked, as upstream does for bodies
  for await (const chunk of body) {
    if (req.destroyed) return
    const written = onWritten == null ? undefined : (err?: Error | null) => { if (err == null) onWritten(chunk) }
    if (!req.write(chunk, written)) {
      // wait for drain (or the end of the request); the loser's listeners are removed. The
      // connection failing meanwhile (the server answered and closed it: write EPIPE) is the
      // request's error, not the body's: the answer already read, or the failure to get one,
      // is what the command reports
      const done = new AbortController()
      try {
        await Promise.race([once(req, 'drain', { signal: done.signal }), once(req, 'close', { signal: done.signal })])
      } catch {
        return
      } finally {
        done.abort()
      }
    }
  }
  if (!req.destroyed) req.end()
}

const uploadErrors = new WeakMap<IncomingMessage, () => unknown>()

/** The error that stopped sending the request body of this response, if any. */
export function uploadErrorOf (res: IncomingMessage): unknown {
  return uploadErrors.get(res)?.()
}

/** Reads a whole (small) response body. */
export async function readAll (res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of res) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}
