// Where kubo's RPC API is: the node multiaddress turned into what node:http dials. Accepts what
// upstream's manet.DialArgs takes: /ip4, /ip6, /dns, /dns4, /dns6 with /tcp/<port>, and /unix.
export type NodeTarget =
  | { kind: 'tcp', host: string, port: number }
  | { kind: 'unix', socketPath: string }

export function parseNodeMultiaddr (addr: string): NodeTarget {
  const parts = addr.split('/')
  if (parts[0] !== '' || parts.length < 3) throw new Error(`invalid multiaddr "${addr}"`)
  const proto = parts[1]
  if (proto === 'unix') {
    const path = decodeURIComponent(parts.slice(2).join('/'))
    if (path === '') throw new Error(`invalid multiaddr "${addr}": empty unix path`)
    return { kind: 'unix', socketPath: path.startsWith('/') ? path : `/${path}` }
  }
  if (!['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(proto)) throw new Error(`unsupported multiaddr "${addr}": expected /ip4, /ip6, /dns*, or /unix`)
  if (parts.length < 5 || parts[3] !== 'tcp' || parts[2] === '') throw new Error(`invalid multiaddr "${addr}": expected /${proto}/<host>/tcp/<port>`)
  const port = Number(parts[4])
  if (!/^\d+$/.test(parts[4]) || port > 65535) throw new Error(`invalid multiaddr "${addr}": bad tcp port`)
  return { kind: 'tcp', host: parts[2], port }
}

/** host:port for messages and the Host header. */
export function describeTarget (t: NodeTarget): string {
  if (t.kind === 'unix') return `unix:${t.socketPath}`
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`
}
