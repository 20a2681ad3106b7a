// Decoding of REST answers the way upstream's client does (api/rest/client/request.go):
// 202/204 are success without body; 4xx/5xx carry {code,message} (or raw text); streams are
// NDJSON followed by X-Stream-Error trailers, any non-empty one being a 500 error.
import type { IncomingMessage } from 'node:http'
import { ApiError, ClientError } from './errors.js'
import { readAll, uploadErrorOf } from './transport.js'
import { parseJsonStream } from './ndjson.js'

function bodyError (res: IncomingMessage, err: any): ApiError {
  return new ApiError(res.statusCode ?? 0, err?.message ?? String(err))
}

async function readBody (res: IncomingMessage): Promise<Buffer> {
  try {
    return await readAll(res)
  } catch (err) {
    throw bodyError(res, err)
  }
}

/** An error answer's ApiError: its {code, message} body, or its text. */
export function errorFromBody (status: number, body: Buffer): ApiError {
  const text = body.toString('utf8')
  try {
    const obj = JSON.parse(text)
    if (obj != null && typeof obj === 'object' && !Array.isArray(obj)) {
      return new ApiError(typeof obj.code === 'number' ? obj.code : 0, typeof obj.message === 'string' ? obj.message : '')
    }
  } catch {}
  return new ApiError(status, text)
}

/** 4xx and 5xx: the answers whose body is an error (upstream's client checks the same range). */
export function isErrorStatus (status: number): boolean {
  return status > 399 && status < 600
}

/** A non-streaming answer: the decoded JSON body, or undefined for 202/204. */
export async function decodeResponse<T> (res: IncomingMessage): Promise<T | undefined> {
  const status = res.statusCode ?? 0
  const body = await readBody(res)
  if (status === 202 || status === 204) return undefined
  if (isErrorStatus(status)) throw errorFromBody(status, body)
  try {
    return JSON.parse(body.toString('utf8')) as T
  } catch (err: any) {
    throw new ApiError(status, err?.message ?? String(err))
  }
}

/** Every X-Stream-Error trailer value (the header may repeat). */
function streamErrors (res: IncomingMessage): string[] {
  const out: string[] = []
  const raw = res.rawTrailers
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'x-stream-error' && raw[i + 1] !== '') out.push(raw[i + 1])
  }
  return out
}

/** A streaming answer as an async iterable of values; trailer errors throw after the last one. */
export async function * decodeStream<T> (res: IncomingMessage): AsyncGenerator<T> {
  const status = res.statusCode ?? 0
  if (isErrorStatus(status)) throw errorFromBody(status, await readBody(res))
  if (status !== 200 && status !== 204) {
    res.resume()
    throw new ApiError(status, 'expected streaming response with code 200/204')
  }
  try {
    yield * parseJsonStream<T>(res)
  } catch (err) {
    const upload = uploadErrorOf(res)
    if (upload != null) throw upload
    if (err instanceof ClientError || err instanceof ApiError) throw err
    throw new ClientError(`error reading response: ${(err as any)?.message ?? String(err)}`)
  } finally {
    // stop reading if the consumer went away early
    if (!res.complete) res.destroy()
  }
  const upload = uploadErrorOf(res)
  if (upload != null) throw upload
  const errs = streamErrors(res)
  if (errs.length > 0) throw new ApiError(500, errs.join('; '))
}
