// A large download (ecget's file) as a Download: its status, headers, body and trailers.
//
// Over plain HTTP (TCP or a unix socket) the body is read by rawDownload into one reused
// buffer, and each piece handed to the caller is a view of it. node:http's client instead
// copies every piece of a body into a new buffer (its parser's on_body), so a GiB read became
// 16,384 buffers of 64 KiB for V8 to account and collect. A 1 GiB ecget from 6 local peers,
// A/B three times: cluster-ctl's user CPU 1.5-2.6 s -> 0.5 s, its full collections 55 -> 1,
// 7.2-8.7 s -> 5.8-6.7 s. TLS and libp2p targets keep node's client (incomingDownload).
import net from 'node:net'
import type { IncomingMessage } from 'node:http'
import { ApiError } from './errors.js'
import { Http1ResponseReader } from './http1-response.js'
import type { ResponseHead } from './http1-response.js'
import { readAll, requestFailure, requestHeaders, requestSignal } from './transport.js'
import type { RequestSpec, TransportOptions } from './transport.js'
import { targetUrl } from './target.js'
import type { Target } from './target.js'

export interface Download {
  readonly status: number
  /** lower-case names */
  readonly headers: Record<string, string | undefined>
  /**
   * The body's pieces. A piece is valid only until the next one is asked for (its memory is
   * read into again). It ends early, without an error, when the connection closes before the
   * body did: see complete.
   */
  readonly body: AsyncIterable<Uint8Array>
  /** whether the whole body arrived (once body ended) */
  readonly complete: boolean
  /** a trailer's value ('' when absent; once body ended) */
  trailer: (name: string) => string
  /** the whole body, copied: a small answer's (an error's) */
  readAll: () => Promise<Buffer>
}

/** bytes read from the socket at a time, into the download's one buffer */
const READ_BYTES = 256 * 1024

/** Whether rawDownload can read from this target (plain HTTP). */
export function rawDownloadable (t: Target, opts: TransportOptions): t is Extract<Target, { kind: 'tcp' | 'unix' }> {
  return t.kind === 'unix' || (t.kind === 'tcp' && !opts.ssl)
}

function hostHeader (t: Extract<Target, { kind: 'tcp' | 'unix' }>): string {
  if (t.kind === 'unix') return 'unix'
  return `${t.servername.includes(':') ? `[${t.servername}]` : t.servername}:${t.port}`
}

/**
 * Sends `spec` (a GET) over a new connection and resolves once the answer's head arrived.
 * Failures before that reject with ApiError code 0, worded as sendRequest's.
 */
export async function rawDownload (t: Extract<Target, { kind: 'tcp' | 'unix' }>, opts: TransportOptions, spec: RequestSpec): Promise<Download> {
  const url = targetUrl(t, false) + spec.path
  opts.debug?.(`${spec.method}: ${url}`)
  const signal = requestSignal(opts, spec)
  signal?.throwIfAborted()
  const request = [`${spec.method} ${spec.path} HTTP/1.1`, `Host: ${hostHeader(t)}`, 'Connection: close']
  for (const [name, value] of Object.entries(requestHeaders(opts, spec))) request.push(`${name}: ${value}`)

  const reader = new Http1ResponseReader()
  const buffer = Buffer.allocUnsafe(READ_BYTES)
  /** body pieces of the last read, not yet taken; the socket is paused while there are any */
  const queue: Uint8Array[] = []
  let ended = false
  let failure: unknown
  let wake: (() => void) | undefined
  const notify = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }
  let headArrived!: () => void
  let headFailed!: (err: unknown) => void
  const head = new Promise<void>((resolve, reject) => { headArrived = resolve; headFailed = reject })

  const where = t.kind === 'unix' ? { path: t.path } : { host: t.host, port: t.port, family: t.family }
  const socket = net.connect({
    ...where,
    onread: {
      buffer,
      callback: (n: number, buf: Uint8Array): boolean => {
        try {
          for (const piece of reader.push(buf.subarray(0, n))) if (piece.byteLength > 0) queue.push(piece)
        } catch (err) {
          failure = err
          socket.destroy()
        }
        if (reader.head != null) headArrived()
        if (reader.complete) finish()
        notify()
        // paused until the caller took every piece: the next read would write over them
        return queue.length === 0
      }
    }
  })
  const finish = (): void => {
    if (ended) return
    ended = true
    signal?.removeEventListener('abort', onAbort)
    socket.destroy()
    // closed before the head: as node's client reports it (a reset connection)
    headFailed(failure ?? requestFailure(t, spec, url, signal, Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })))
    notify()
  }
  const onAbort = (): void => {
    // mid-body, as Go's client words it; before the head, sendRequest's wording
    const deadline = signal?.reason?.name === 'TimeoutError'
    failure = reader.head == null
      ? requestFailure(t, spec, url, signal, signal?.reason)
      : new ApiError(0, `${spec.method} "${url}": ${deadline ? 'context deadline exceeded (Client.Timeout or context cancellation while reading body)' : 'context canceled'}`)
    finish()
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  socket.on('connect', () => { socket.write(request.join('\r\n') + '\r\n\r\n') })
  socket.on('error', err => {
    if (reader.head == null && failure == null) failure = requestFailure(t, spec, url, signal, err)
    finish()
  })
  socket.on('close', finish)
  // a clean end (not a reset) is what completes a body that the connection's end delimits
  socket.on('end', () => {
    reader.end()
    finish()
  })
  // flowing, so that the end of the connection is reported (no data ever goes through the stream itself)
  socket.resume()
  await head

  async function * body (): AsyncGenerator<Uint8Array> {
    while (true) {
      if (queue.length > 0) {
        yield queue.shift() as Uint8Array
        continue
      }
      // bad framing or an abort is an error; a connection that closed (or failed) mid-body only ends it
      if (failure != null) throw failure
      if (ended) return
      await new Promise<void>(resolve => {
        wake = resolve
        socket.resume()
      })
    }
  }
  // the head arrived: `head` resolved only once the reader had it
  const { status, headers } = reader.head as ResponseHead
  return {
    status,
    headers,
    body: body(),
    get complete () { return reader.complete },
    trailer: name => reader.trailers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1] ?? '',
    readAll: async () => {
      const pieces: Uint8Array[] = []
      for await (const piece of body()) pieces.push(Buffer.from(piece))
      return Buffer.concat(pieces)
    }
  }
}

/** node:http's answer as a Download (TLS and libp2p targets). */
export function incomingDownload (res: IncomingMessage): Download {
  const headers: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(res.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value
  return {
    status: res.statusCode ?? 0,
    headers,
    body: res,
    get complete () { return res.complete },
    trailer: name => {
      const raw = res.rawTrailers
      for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toLowerCase() === name.toLowerCase()) return raw[i + 1]
      return ''
    },
    readAll: async () => await readAll(res)
  }
}
