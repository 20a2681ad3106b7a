// How a common-API component writes a non-streaming answer (upstream's SendResponse): the
// configured headers and Content-Type on every JSON answer; on error the status is the error's
// (ClusterError.status, or 404 when the text is state.ErrNotFound's, else 500) unless the
// handler forces one; a body → 200, no body → 204.
import type { FastifyReply } from 'fastify'
import type { ServerResponse } from 'node:http'
import { errorMessage, statusOf } from '../../api/errors.js'
import type { ApiProfile } from './profile.js'

/** Adds the configured headers and the JSON content type to a response about to be sent. */
export function setCommonHeaders (res: ServerResponse, profile: ApiProfile): void {
  for (const [name, values] of Object.entries(profile.config.headers)) {
    for (const v of values) res.appendHeader(name, v)
  }
  res.setHeader('Content-Type', 'application/json')
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/
const HTML_UNSAFE_ALL = /[<>&\u2028\u2029]/g

/**
 * JSON as Go's json.Encoder writes it: one value and a newline, with <, >, & and the JS line
 * separators escaped (Go's default HTML-safe encoding), so that bodies are byte-identical.
 */
export function jsonLine (value: unknown): string {
  const json = JSON.stringify(value)
  // most lines have none: a test costs less than a replace that copies the string
  if (!HTML_UNSAFE.test(json)) return json + '\n'
  return json.replace(HTML_UNSAFE_ALL, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n'
}

/**
 * Sends a JSON body as bytes: fastify leaves the content type of a Buffer alone, while it
 * would append "; charset=utf-8" to a string's (upstream sends plain application/json).
 */
function sendBody (reply: FastifyReply, profile: ApiProfile, status: number, body: unknown): FastifyReply {
  setCommonHeaders(reply.raw, profile)
  return reply.code(status).header('content-type', 'application/json').send(Buffer.from(jsonLine(body)))
}

export function sendJSON (reply: FastifyReply, profile: ApiProfile, body: unknown, status = 200): FastifyReply {
  return sendBody(reply, profile, status, body)
}

/** 204 with the common headers (success without a body). */
export function sendNoContent (reply: FastifyReply, profile: ApiProfile): FastifyReply {
  setCommonHeaders(reply.raw, profile)
  return reply.code(204).send()
}

/**
 * Sends an error in the profile's error body. `status` forces a code; without it the code
 * follows the error (typed errors carry theirs; the ErrNotFound text maps to 404).
 */
export function sendError (reply: FastifyReply, profile: ApiProfile, err: unknown, status?: number): FastifyReply {
  const code = status ?? statusOf(err)
  const message = errorMessage(err)
  profile.logger.error(`sending error response: ${code}: ${message}`)
  return sendBody(reply, profile, code, profile.errorBody(code, message))
}
