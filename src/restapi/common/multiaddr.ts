// The listen multiaddresses an HTTP API accepts (what upstream's manet.Listen takes):
// /ip4/<ip>/tcp/<port>, /ip6/<ip>/tcp/<port> and /unix/<path>. Kept to these three forms on
// purpose: anything else is a configuration error, reported at load time.
import { isIPv4, isIPv6 } from 'node:net'
import type { AddressInfo } from 'node:net'

export type ListenTarget =
  | { kind: 'tcp', family: 4 | 6, host: string, port: number }
  | { kind: 'unix', path: string }

export function parseListenMultiaddr (addr: string): ListenTarget {
  const parts = addr.split('/')
  if (parts[0] !== '' || parts.length < 3) throw new Error(`invalid multiaddr "${addr}"`)
  const proto = parts[1]
  if (proto === 'unix') {
    // the path is the rest of the address; some encoders percent-escape its slashes
    const path = decodeURIComponent(parts.slice(2).join('/'))
    if (path === '') throw new Error(`invalid multiaddr "${addr}": empty unix path`)
    return { kind: 'unix', path: path.startsWith('/') ? path : `/${path}` }
  }
  if (proto !== 'ip4' && proto !== 'ip6') throw new Error(`cannot listen on "${addr}": only /ip4, /ip6 (tcp) and /unix are supported`)
  if (parts.length !== 5 || parts[3] !== 'tcp') throw new Error(`cannot listen on "${addr}": expected /${proto}/<ip>/tcp/<port>`)
  const host = parts[2]
  if (proto === 'ip4' ? !isIPv4(host) : !isIPv6(host)) throw new Error(`invalid multiaddr "${addr}": bad ${proto} address`)
  if (!/^\d+$/.test(parts[4]) || Number(parts[4]) > 65535) throw new Error(`invalid multiaddr "${addr}": bad tcp port`)
  return { kind: 'tcp', family: proto === 'ip4' ? 4 : 6, host, port: Number(parts[4]) }
}

/** The multiaddr of what a server actually bound (port 0 becomes the real port). */
export function boundMultiaddr (target: ListenTarget, bound: AddressInfo | string | null): string {
  if (target.kind === 'unix') return `/unix${target.path}`
  if (bound == null || typeof bound === 'string') throw new Error('tcp listener has no address')
  return `/ip${target.family}/${bound.address}/tcp/${bound.port}`
}
