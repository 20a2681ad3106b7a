// A raw HTTP client for the REST API tests: node:http rather than fetch, because the tests need
// trailers (X-Stream-Error), repeated headers and exact status lines.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { IncomingHttpHeaders } from 'node:http'

export interface HttpResult {
  status: number
  headers: IncomingHttpHeaders
  /** header name (lower case) → every value, in order */
  all: Record<string, string[]>
  body: string
  trailers: Record<string, string | undefined>
}

export interface RequestOptions {
  method?: string
  headers?: Record<string, string | string[]>
  body?: string | Buffer
  socketPath?: string
  /** https: accept the test's self-signed certificate */
  insecure?: boolean
}

export async function request (url: string, opts: RequestOptions = {}): Promise<HttpResult> {
  const u = new URL(url)
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest
  return await new Promise((resolve, reject) => {
    const req = send({
      protocol: u.protocol,
      hostname: opts.socketPath != null ? undefined : u.hostname,
      port: opts.socketPath != null ? undefined : u.port,
      socketPath: opts.socketPath,
      path: u.pathname + u.search,
      method: opts.method ?? 'GET',
      headers: opts.headers,
      rejectUnauthorized: opts.insecure === true ? false : undefined,
      agent: false
    }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const all: Record<string, string[]> = {}
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const k = res.rawHeaders[i].toLowerCase()
          ;(all[k] ??= []).push(res.rawHeaders[i + 1])
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          all,
          body: Buffer.concat(chunks).toString('utf8'),
          trailers: res.trailers
        })
      })
    })
    req.on('error', reject)
    if (opts.body != null) req.write(opts.body)
    req.end()
  })
}

export function json (r: HttpResult): any {
  return JSON.parse(r.body)
}

export function ndjson (r: HttpResult): any[] {
  return r.body.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l))
}

export interface Part {
  filename: string
  content: string | Buffer
  contentType?: string
}

/** A kubo-style multipart/form-data body (the layout cluster-ctl and ipfs send). */
export function multipart (parts: Part[]): { body: Buffer, contentType: string } {
  const boundary = `----restapi-test-${Math.random().toString(16).slice(2)}`
  const chunks: Buffer[] = []
  for (const p of parts) {
    chunks.push(Buffer.from(
      `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="file"; filename="${encodeURIComponent(p.filename)}"\r\n` +
      `Content-Type: ${p.contentType ?? 'application/octet-stream'}\r\n\r\n`))
    chunks.push(Buffer.from(p.content))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

export function basic (user: string, pass: string): string {
  return 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64')
}
