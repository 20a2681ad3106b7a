// The listen multiaddresses an HTTP API accepts (what upstream's manet.Listen takes):
// /ip4/<ip>/tcp/<port>, /ip6/<ip>/tcp/<port> and /unix/<path>. Kept to these three forms on
// purpose: anything else is a configuration error, reported at load time.
import { isIPv4, isIPv6 } from 'node:net'
import type { AddressInfo } from 'node:net'
import { parseSocketMultiaddr } from '../../common/socket-multiaddr.js'

export type ListenTarget =
  | { kind: 'tcp', family: 4 | 6, host: string, port: number }
  | { kind: 'unix', path: string }

export function parseListenMultiaddr (addr: string): ListenTarget {
  const a = parseSocketMultiaddr(addr)
  if (a.proto === 'unix') return { kind: 'unix', path: a.path }
  if (a.proto !== 'ip4' && a.proto !== 'ip6') throw new Error(`cannot listen on "${addr}": only /ip4, /ip6 (tcp) and /unix are supported`)
  if (a.proto === 'ip4' ? !isIPv4(a.host) : !isIPv6(a.host)) throw new Error(`invalid multiaddr "${addr}": bad ${a.proto} address`)
  return { kind: 'tcp', family: a.proto === 'ip4' ? 4 : 6, host: a.host, port: a.port }
}

/** The multiaddr of what a server actually bound (port 0 becomes the real port). */
export function boundMultiaddr (target: ListenTarget, bound: AddressInfo | string | null): string {
  if (target.kind === 'unix') return `/unix${target.path}`
  if (bound == null || typeof bound === 'string') throw new Error('tcp listener has no address')
  return `/ip${target.family}/${bound.address}/tcp/${bound.port}`
}
