// API targets from --host multiaddresses. Upstream accepts /ip4, /ip6, /dns4, /dns6, /dns with
// /tcp/<port>, and /unix/<path>; several comma-separated ones are fail-over targets, and a DNS
// name resolving to several addresses becomes several targets when TLS is off (with TLS the
// name is kept so that the certificate can be checked against it).
import { lookup } from 'node:dns/promises'
import { ClientError } from './errors.js'

export type Target =
  | { kind: 'tcp', host: string, port: number, family?: 4 | 6, /** name for TLS / Host header */ servername: string }
  | { kind: 'unix', path: string }

export interface ParsedAddr {
  proto: 'ip4' | 'ip6' | 'dns4' | 'dns6' | 'dns' | 'unix'
  host: string
  port: number
}

/** Parses one API multiaddress; errors read like go-multiaddr's. */
export function parseApiMultiaddr (text: string): ParsedAddr {
  const s = text.trim()
  if (!s.startsWith('/')) throw new ClientError(`failed to parse multiaddr "${text}": must begin with /`)
  const parts = s.split('/').slice(1)
  const proto = parts[0]
  if (proto === 'unix') {
    const path = '/' + parts.slice(1).join('/')
    if (path === '/') throw new ClientError(`failed to parse multiaddr "${text}": unexpected end of multiaddr`)
    return { proto, host: path, port: 0 }
  }
  if (proto === 'p2p' || proto === 'ipfs' || proto === 'dnsaddr' || parts.includes('p2p')) {
    throw new ClientError(`libp2p-http API endpoints are not supported by this client: "${text}"`)
  }
  if (proto !== 'ip4' && proto !== 'ip6' && proto !== 'dns4' && proto !== 'dns6' && proto !== 'dns') {
    throw new ClientError(`failed to parse multiaddr "${text}": unknown protocol ${proto}`)
  }
  const host = parts[1]
  if (host == null || host === '') throw new ClientError(`failed to parse multiaddr "${text}": unexpected end of multiaddr`)
  if (proto === 'ip4' && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
    throw new ClientError(`failed to parse multiaddr "${text}": invalid value "${host}" for protocol ip4: failed to parse ip4 addr: ${host}`)
  }
  if (proto === 'ip6' && !host.includes(':')) {
    throw new ClientError(`failed to parse multiaddr "${text}": invalid value "${host}" for protocol ip6: failed to parse ip6 addr: ${host}`)
  }
  if (parts[2] !== 'tcp') throw new ClientError(`failed to parse multiaddr "${text}": the API address must be a TCP address`)
  const port = Number(parts[3])
  if (!/^\d+$/.test(parts[3] ?? '') || port > 65535) {
    throw new ClientError(`failed to parse multiaddr "${text}": invalid value "${parts[3] ?? ''}" for protocol tcp`)
  }
  // trailing /http or /https are tolerated (some deployments write them); anything else is not
  const rest = parts.slice(4).filter(p => p !== '')
  if (rest.length > 1 || (rest.length === 1 && rest[0] !== 'http' && rest[0] !== 'https')) {
    throw new ClientError(`failed to parse multiaddr "${text}": unsupported protocols after /tcp: /${rest.join('/')}`)
  }
  return { proto, host, port }
}

/** Expands a parsed address into targets, resolving DNS names when several IPs may be used. */
export async function resolveTargets (addr: ParsedAddr, ssl: boolean, signal?: AbortSignal): Promise<Target[]> {
  if (addr.proto === 'unix') return [{ kind: 'unix', path: addr.host }]
  if (addr.proto === 'ip4' || addr.proto === 'ip6') {
    return [{ kind: 'tcp', host: addr.host, port: addr.port, family: addr.proto === 'ip4' ? 4 : 6, servername: addr.host }]
  }
  const family = addr.proto === 'dns4' ? 4 : addr.proto === 'dns6' ? 6 : undefined
  if (ssl) return [{ kind: 'tcp', host: addr.host, port: addr.port, family, servername: addr.host }]
  signal?.throwIfAborted()
  let found: Array<{ address: string, family: number }>
  try {
    found = await lookup(addr.host, { all: true, family: family ?? 0 })
  } catch (err: any) {
    throw new ClientError(`resolving ${addr.host}: ${err?.message ?? String(err)}`)
  }
  if (found.length === 0) throw new ClientError(`resolving /${addr.proto}/${addr.host}/tcp/${addr.port} returned 0 results`)
  return found.map(f => ({ kind: 'tcp' as const, host: f.address, port: addr.port, family: f.family === 6 ? 6 as const : 4 as const, servername: addr.host }))
}

/** Base URL of a target, for messages and debugging ("http://127.0.0.1:9094"). */
export function targetUrl (t: Target, ssl: boolean): string {
  if (t.kind === 'unix') return 'http://unix'
  const host = t.host.includes(':') ? `[${t.host}]` : t.host
  return `${ssl ? 'https' : 'http'}://${host}:${t.port}`
}
