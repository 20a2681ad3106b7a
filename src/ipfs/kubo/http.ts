// The wire to kubo: `POST /api/v0/<path>` over TCP (http or https) or a unix socket, with
// node:http so that request bodies stream (block/put of a whole add) and answers stream (pin
// progress, pin/ls, repo/gc). Non-200 answers become typed errors; an error that happens after
// a 200 arrives in kubo's X-Stream-Error trailer. After more than 10 consecutive transport
// failures requests are spaced 1 s apart until one succeeds (upstream's rate limit), so a dead
// kubo is not hammered by every tracker operation.
import { request as httpRequest } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import type { NodeTarget } from './node-address.js'
import { KuboApiError, KuboResponseError, KuboUnreachableError } from './errors.js'

export type QueryInit = Array<[string, string]> | Record<string, string | number | boolean | undefined>

export interface KuboCall {
  /** RPC path without the /api/v0/ prefix, e.g. "pin/add" */
  path: string
  query?: QueryInit
  body?: Uint8Array | AsyncIterable<Uint8Array>
  contentType?: string
  signal?: AbortSignal
}

const MAX_FAILURES_BEFORE_LIMIT = 10
const RATE_LIMIT_INTERVAL_MS = 1000

export class KuboHttp {
  private readonly target: NodeTarget
  private readonly https: boolean
  private failures = 0
  private lastAttempt = 0

  constructor (target: NodeTarget, opts: { https?: boolean } = {}) {
    this.target = target
    this.https = opts.https === true
  }

  /** The answer of a successful call, its body not yet read. */
  async post (call: KuboCall): Promise<IncomingMessage> {
    await this.rateLimit(call.signal)
    this.lastAttempt = Date.now()
    let res: IncomingMessage
    try {
      res = await this.send(call)
      this.failures = 0
    } catch (err) {
      if (call.signal?.aborted === true) throw call.signal.reason ?? err
      if (err instanceof KuboUnreachableError) this.failures++
      throw err
    }
    if (res.statusCode === 200) return res
    const text = Buffer.concat(await collect(res)).toString('utf8')
    throw parseKuboError(call.path, res.statusCode ?? 0, text)
  }

  async json<T> (call: KuboCall): Promise<T> {
    const res = await this.post(call)
    const text = Buffer.concat(await collect(res)).toString('utf8')
    checkTrailer(call.path, res)
    try {
      return JSON.parse(text) as T
    } catch {
      throw new KuboResponseError(call.path, 200, text)
    }
  }

  async bytes (call: KuboCall): Promise<Uint8Array> {
    const res = await this.post(call)
    const chunks = await collect(res)
    checkTrailer(call.path, res)
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
  }

  /** The answer as a stream of JSON values, one a line (kubo's streaming output). */
  async * ndjson<T> (call: KuboCall): AsyncIterable<T> {
    const res = await this.post(call)
    try {
      let pending = ''
      for await (const chunk of res as AsyncIterable<Buffer>) {
        pending += chunk.toString('utf8')
        let nl: number
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim()
          pending = pending.slice(nl + 1)
          if (line !== '') yield parseLine<T>(call.path, line)
        }
      }
      if (pending.trim() !== '') yield parseLine<T>(call.path, pending.trim())
      checkTrailer(call.path, res)
    } finally {
      res.destroy()
    }
  }

  private async rateLimit (signal?: AbortSignal): Promise<void> {
    if (this.failures <= MAX_FAILURES_BEFORE_LIMIT) return
    const wait = this.lastAttempt + RATE_LIMIT_INTERVAL_MS - Date.now()
    if (wait > 0) await sleep(wait, undefined, { signal })
  }

  private async send (call: KuboCall): Promise<IncomingMessage> {
    const qs = toSearchParams(call.query).toString()
    const path = `/api/v0/${call.path}${qs === '' ? '' : `?${qs}`}`
    const headers: Record<string, string> = {}
    if (call.contentType != null) headers['content-type'] = call.contentType
    const where = this.target.kind === 'unix'
      ? { socketPath: this.target.socketPath }
      : { host: this.target.host, port: this.target.port }
    const doRequest = this.https ? httpsRequest : httpRequest
    return await new Promise<IncomingMessage>((resolve, reject) => {
      let answered = false
      const req = doRequest({ ...where, method: 'POST', path, headers, signal: call.signal }, res => {
        answered = true
        resolve(res)
      })
      req.on('error', err => {
        if (!answered) reject(call.signal?.aborted === true ? err : new KuboUnreachableError(call.path, err))
      })
      const body = call.body
      if (body == null) req.end()
      else if (body instanceof Uint8Array) req.end(body)
      else {
        const src = Readable.from(body, { objectMode: false })
        src.on('error', err => { req.destroy(err) })
        src.pipe(req)
      }
    })
  }
}

function toSearchParams (q: QueryInit | undefined): URLSearchParams {
  const out = new URLSearchParams()
  if (q == null) return out
  const entries = Array.isArray(q) ? q : Object.entries(q)
  for (const [k, v] of entries) if (v !== undefined) out.append(k, String(v))
  return out
}

async function collect (res: IncomingMessage): Promise<Buffer[]> {
  const chunks: Buffer[] = []
  for await (const c of res as AsyncIterable<Buffer>) chunks.push(c)
  return chunks
}

function parseLine<T> (path: string, line: string): T {
  try {
    return JSON.parse(line) as T
  } catch {
    throw new KuboResponseError(path, 200, line)
  }
}

/** Kubo reports a failure after the 200 in the X-Stream-Error trailer. */
function checkTrailer (path: string, res: IncomingMessage): void {
  const v = res.trailers['x-stream-error']
  if (v != null && v !== '') throw new KuboApiError(path, 200, v)
}

/** A non-200 answer: kubo's {Message, Code} when it is one, else the raw text. */
export function parseKuboError (path: string, status: number, text: string): Error {
  try {
    const body = JSON.parse(text)
    if (body != null && typeof body.Message === 'string') {
      return new KuboApiError(path, status, body.Message, typeof body.Code === 'number' ? body.Code : 0)
    }
  } catch { /* not JSON */ }
  return new KuboResponseError(path, status, text)
}
