// API targets from --host multiaddresses. Upstream accepts /ip4, /ip6, /dns4, /dns6, /dns with
// /tcp/<port>, and /unix/<path>; several comma-separated ones are fail-over targets, and a DNS
// name resolving to several addresses becomes several targets when TLS is off (with TLS the
// name is kept so that the certificate can be checked against it).
import { lookup } from 'node:dns/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { ClientError } from './errors.js'
import { parseSocketMultiaddr } from '../../common/socket-multiaddr.js'
import type { SocketMultiaddr } from '../../common/socket-multiaddr.js'

export type Target =
  | { kind: 'tcp', host: string, port: number, family?: 4 | 6, /** name for TLS / Host header */ servername: string }
  | { kind: 'unix', path: string }
  /** the REST API's libp2p-http endpoint: a multiaddress with /p2p/<id>, or /dnsaddr/… */
  | { kind: 'libp2p', addr: string, peer: string }

export interface ParsedAddr {
  proto: 'ip4' | 'ip6' | 'dns4' | 'dns6' | 'dns' | 'unix' | 'libp2p'
  host: string
  port: number
}

/** Parses one API multiaddress; errors read like go-multiaddr's. */
export function parseApiMultiaddr (text: string): ParsedAddr {
  const parts = text.trim().split('/')
  if (parts.includes('p2p') || parts.includes('ipfs') || parts[1] === 'dnsaddr') {
    // upstream: a /p2p/ address (or /dnsaddr/) is reached over libp2p-http
    let ma
    try {
      ma = multiaddr(text.trim().replace(/\/ipfs\//, '/p2p/'))
    } catch (err) {
      throw new ClientError((err as Error).message)
    }
    const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    if (id == null && parts[1] !== 'dnsaddr') throw new ClientError(`invalid peer address "${text}"`)
    if (id != null) {
      try {
        peerIdFromString(id)
      } catch (err) {
        throw new ClientError(`invalid peer ID "${id}": ${(err as Error).message}`)
      }
    }
    return { proto: 'libp2p', host: ma.toString(), port: 0 }
  }
  let a: SocketMultiaddr
  try {
    a = parseSocketMultiaddr(text)
  } catch (err) {
    throw new ClientError((err as Error).message)
  }
  return a.proto === 'unix' ? { proto: 'unix', host: a.path, port: 0 } : { proto: a.proto, host: a.host, port: a.port }
}

/** Expands a parsed address into targets, resolving DNS names when several IPs may be used. */
export async function resolveTargets (addr: ParsedAddr, ssl: boolean, signal?: AbortSignal): Promise<Target[]> {
  if (addr.proto === 'unix') return [{ kind: 'unix', path: addr.host }]
  if (addr.proto === 'libp2p') {
    const peer = multiaddr(addr.host).getComponents().findLast(c => c.name === 'p2p')?.value ?? addr.host.split('/')[2]
    return [{ kind: 'libp2p', addr: addr.host, peer }]
  }
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
  if (t.kind === 'libp2p') return `libp2p://${t.peer}`
  const host = t.host.includes(':') ? `[${t.host}]` : t.host
  return `${ssl ? 'https' : 'http'}://${host}:${t.port}`
}
