// Where kubo's RPC API is: the node multiaddress turned into what node:http dials. Accepts what
// upstream's manet.DialArgs takes: /ip4, /ip6, /dns, /dns4, /dns6 with /tcp/<port>, and /unix.
import { parseSocketMultiaddr } from '../../common/socket-multiaddr.js'

export type NodeTarget =
  | { kind: 'tcp', host: string, port: number }
  | { kind: 'unix', socketPath: string }

export function parseNodeMultiaddr (addr: string): NodeTarget {
  const a = parseSocketMultiaddr(addr)
  return a.proto === 'unix' ? { kind: 'unix', socketPath: a.path } : { kind: 'tcp', host: a.host, port: a.port }
}

/** host:port for messages and the Host header. */
export function describeTarget (t: NodeTarget): string {
  if (t.kind === 'unix') return `unix:${t.socketPath}`
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`
}
