// The outermost layer of the handler chain: one Apache common log line per request, as
// gorilla/handlers.LoggingHandler writes them upstream, to http_log_file or the request logger.
import { createWriteStream } from 'node:fs'
import type { WriteStream } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ApiProfile } from './profile.js'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function clfTime (d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
}

export class AccessLog {
  private readonly file?: WriteStream
  private readonly profile: ApiProfile

  constructor (profile: ApiProfile) {
    this.profile = profile
    const name = profile.config.http_log_file
    if (name !== '') {
      const path = isAbsolute(name) ? name : join(profile.config.base_dir, name)
      this.file = createWriteStream(path, { flags: 'a', mode: 0o644 })
      this.file.on('error', err => profile.logger.error(`access log ${path}: ${err.message}`))
    }
  }

  /** Wraps a request: counts the body bytes written and logs when the response is over. */
  track (req: IncomingMessage, res: ServerResponse): void {
    const started = new Date()
    const host = req.socket.remoteAddress ?? '@'
    let size = 0
    const count = (chunk: unknown): void => {
      if (typeof chunk === 'string') size += Buffer.byteLength(chunk)
      else if (chunk instanceof Uint8Array) size += chunk.byteLength
    }
    const write = res.write
    const end = res.end
    res.write = function (this: ServerResponse, chunk: any, ...rest: any[]) {
      count(chunk)
      return (write as (...a: any[]) => boolean).call(this, chunk, ...rest)
    } as typeof res.write
    res.end = function (this: ServerResponse, chunk?: any, ...rest: any[]) {
      if (typeof chunk !== 'function') count(chunk)
      return (end as (...a: any[]) => ServerResponse).call(this, chunk, ...rest)
    } as typeof res.end
    res.once('close', () => {
      const line = `${host} - - [${clfTime(started)}] "${req.method ?? ''} ${req.url ?? ''} HTTP/${req.httpVersion}" ${res.statusCode} ${size}`
      if (this.file != null) this.file.write(line + '\n')
      else this.profile.requestLogger.info(line)
    })
  }

  async close (): Promise<void> {
    const f = this.file
    if (f == null) return
    await new Promise<void>(resolve => f.end(resolve))
  }
}
