// Test helpers: captured CLI runs and a plain node:http server standing in for the REST API's
// HTTP behaviour (trailers, status codes), so the client's protocol handling is checked byte-wise.
import http from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { runCli } from '../../src/ctl/cli.js'

export interface Captured {
  code: number
  stdout: string
  stderr: string
}

export async function cli (argv: string[]): Promise<Captured> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, { stdout: s => { stdout += s }, stderr: s => { stderr += s } })
  return { code, stdout, stderr }
}

export interface TestServer {
  port: number
  multiaddr: string
  requests: Array<{ method: string, url: string, headers: http.IncomingHttpHeaders, body: Buffer }>
  close: () => Promise<void>
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>

export async function startServer (handler: Handler): Promise<TestServer> {
  const requests: TestServer['requests'] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      Promise.resolve(handler(req, res, body)).catch(err => {
        res.statusCode = 599
        res.end(String(err))
      })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    port,
    multiaddr: `/ip4/127.0.0.1/tcp/${port}`,
    requests,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

/** Writes an NDJSON stream with the X-Stream-Error trailer, as the REST API does. */
export function sendStream (res: ServerResponse, values: unknown[], streamError = ''): void {
  res.writeHead(200, { 'Content-Type': 'application/json', Trailer: 'X-Stream-Error' })
  for (const v of values) res.write(JSON.stringify(v) + '\n')
  res.addTrailers({ 'X-Stream-Error': streamError })
  res.end()
}

export function sendJson (res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(value))
}

/** A closed TCP port on 127.0.0.1. */
export async function closedPort (): Promise<number> {
  const s = http.createServer()
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as { port: number }).port
  await new Promise<void>(resolve => s.close(() => resolve()))
  return port
}

export const PEER_A = '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq'
export const PEER_B = 'QmUBuxVHoNNjfmNpTad36UeaFQv3gXAtCv9r6KhmeqhEhD'
export const CID_A = 'QmRKs2ZfuwvmZA3QAWmCqrGUjV9pxtBUDP3wuc6iVGnjA2'
export const CID_B = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
