// HS256 JSON Web Tokens as upstream issues and accepts them (golang-jwt v4): the issuer
// (`iss`) is an API user and the HMAC key is that user's password. A few lines of node:crypto
// instead of a JWT library, because nothing else of JWT is used.
import { createHmac, timingSafeEqual } from 'node:crypto'

const HASHES: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }

export class TokenError extends Error {}

function b64url (data: Buffer | string): string {
  return Buffer.from(data).toString('base64url')
}

function sign (alg: string, key: string, input: string): Buffer {
  return createHmac(HASHES[alg], key).update(input).digest()
}

/** A token with only `iss` (no expiry), as POST /token returns. */
export function signToken (issuer: string, key: string): string {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify({ iss: issuer }))}`
  return `${input}.${b64url(sign('HS256', key, input))}`
}

export interface Claims {
  iss?: string
  exp?: number
  nbf?: number
  iat?: number
  [k: string]: unknown
}

function decodePart (part: string): any {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch {
    throw new TokenError('token is malformed')
  }
}

/**
 * Verifies a token against the credentials: HMAC algorithm, known issuer, signature with the
 * issuer's password, and the registered time claims when present. Returns the claims.
 */
export function verifyToken (credentials: Record<string, string>, token: string, now = Date.now()): Claims {
  const parts = token.split('.')
  if (parts.length !== 3) throw new TokenError('token contains an invalid number of segments')
  const header = decodePart(parts[0])
  const claims = decodePart(parts[1]) as Claims
  if (header == null || typeof header !== 'object' || HASHES[header.alg] == null) {
    throw new TokenError('unexpected token signing method (not HMAC)')
  }
  if (claims == null || typeof claims !== 'object') throw new TokenError('token is malformed')
  const iss = claims.iss
  if (typeof iss !== 'string' || !Object.hasOwn(credentials, iss)) throw new TokenError('issuer not found')
  const expected = sign(header.alg, credentials[iss], `${parts[0]}.${parts[1]}`)
  const given = Buffer.from(parts[2], 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new TokenError('signature is invalid')
  const secs = now / 1000
  if (typeof claims.exp === 'number' && secs >= claims.exp) throw new TokenError('token is expired')
  if (typeof claims.nbf === 'number' && secs < claims.nbf) throw new TokenError('token is not valid yet')
  if (typeof claims.iat === 'number' && secs < claims.iat) throw new TokenError('token used before issued')
  return claims
}
