// What the pinset benches pin: tiny raw blocks, added (unpinned) through the REST API so that a
// pin finds its block locally, and their CIDs. Also the streamed listings they count.
import http from 'node:http'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { httpRequest } from '../test/harness/http.js'
import type { HttpResponse } from '../test/harness/http.js'
import type { DaemonHandle } from '../test/harness/daemon.js'

/** blocks added per /add request */
const ADD_CHUNK = 5000

/** HTTP to the daemons over one keep-alive agent (many requests at once). */
export class BenchHttp {
  readonly agent: http.Agent

  constructor (sockets: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets })
  }

  async request (url: string, method = 'GET', body?: Buffer, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return await httpRequest(url, { method, body, headers, agent: this.agent })
  }

  /** Counts the NDJSON lines of a streamed response without keeping them. */
  async countLines (url: string): Promise<number> {
    return await new Promise((resolve, reject) => {
      http.get(url, { agent: this.agent }, res => {
        let n = 0
        res.on('data', (c: Buffer) => { for (const b of c) if (b === 10) n++ })
        res.on('end', () => resolve(n))
        res.on('error', reject)
      }).on('error', reject)
    })
  }

  /** Adds the first n bench blocks (unpinned), in chunks; `local` keeps them on that peer only. */
  async addBlocks (d: DaemonHandle, n: number, local: boolean): Promise<void> {
    const boundary = 'benchboundary'
    for (let from = 0; from < n; from += ADD_CHUNK) {
      const parts: Buffer[] = []
      for (let i = from; i < Math.min(n, from + ADD_CHUNK); i++) {
        parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="b${i}"\r\nContent-Type: application/octet-stream\r\n\r\n`), blockBytes(i), Buffer.from('\r\n'))
      }
      parts.push(Buffer.from(`--${boundary}--\r\n`))
      const res = await this.request(`${d.apiUrl}/add?no-pin=true&cid-version=1&raw-leaves=true&wrap-with-directory=true&stream-channels=false&local=${String(local)}`, 'POST', Buffer.concat(parts), { 'content-type': `multipart/form-data; boundary=${boundary}` })
      if (res.status !== 200) throw new Error(`adding the blocks failed: ${res.status} ${res.body.toString().slice(0, 500)}`)
    }
  }

  destroy (): void {
    this.agent.destroy()
  }
}

export function blockBytes (i: number): Buffer {
  return Buffer.from(`pinset bench block ${i}\n`)
}

/** The CIDs of the first n bench blocks (CIDv1, raw). */
export async function cidsOf (n: number): Promise<string[]> {
  const cids: string[] = []
  for (let i = 0; i < n; i++) cids.push(CID.create(1, raw.code, await sha256.digest(blockBytes(i))).toString())
  return cids
}
