// One plain HTTP request to a daemon's API with the whole response body: what tests and
// benches use where cluster-ctl is not the point (raw REST calls, many at once).
import http from 'node:http'

export interface HttpResponse {
  status: number
  body: Buffer
}

export async function httpRequest (url: string, opts: { method?: string, body?: Buffer, headers?: Record<string, string>, agent?: http.Agent } = {}): Promise<HttpResponse> {
  return await new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {}, ...(opts.agent != null ? { agent: opts.agent } : {}) }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}
