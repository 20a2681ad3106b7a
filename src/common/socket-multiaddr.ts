// Multiaddresses that name a socket: /ip4|/ip6|/dns|/dns4|/dns6/<host>/tcp/<port> and /unix/<path>
// (what upstream hands to manet.Dial/Listen). The REST API and proxy listeners, the kubo node
// address and cluster-ctl's --host all parse with this one function; errors read like
// go-multiaddr's.

export type SocketMultiaddr =
  | { proto: 'ip4' | 'ip6' | 'dns' | 'dns4' | 'dns6', host: string, port: number }
  | { proto: 'unix', path: string }

export class MultiaddrError extends Error {
  constructor (text: string, reason: string) {
    super(`failed to parse multiaddr "${text}": ${reason}`)
    this.name = 'MultiaddrError'
  }
}

const HOST_PROTOCOLS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6'])

export function parseSocketMultiaddr (text: string): SocketMultiaddr {
  const s = text.trim()
  if (!s.startsWith('/')) throw new MultiaddrError(text, 'must begin with /')
  const parts = s.split('/').slice(1)
  const proto = parts[0]
  if (proto === 'unix') {
    // the path is the rest of the address; some encoders percent-escape its slashes
    const path = decodeURIComponent(parts.slice(1).join('/'))
    if (path === '') throw new MultiaddrError(text, 'unexpected end of multiaddr')
    return { proto, path: path.startsWith('/') ? path : `/${path}` }
  }
  if (!HOST_PROTOCOLS.has(proto)) throw new MultiaddrError(text, `unknown protocol ${proto}`)
  const host = parts[1]
  if (host == null || host === '') throw new MultiaddrError(text, 'unexpected end of multiaddr')
  if (proto === 'ip4' && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) throw new MultiaddrError(text, `invalid value "${host}" for protocol ip4: failed to parse ip4 addr: ${host}`)
  if (proto === 'ip6' && !host.includes(':')) throw new MultiaddrError(text, `invalid value "${host}" for protocol ip6: failed to parse ip6 addr: ${host}`)
  if (parts[2] !== 'tcp') throw new MultiaddrError(text, 'the address must be a TCP address (/tcp/<port>)')
  const port = Number(parts[3])
  if (!/^\d+$/.test(parts[3] ?? '') || port > 65535) throw new MultiaddrError(text, `invalid value "${parts[3] ?? ''}" for protocol tcp`)
  // a trailing /http or /https is tolerated (some deployments write it); anything else is not
  const rest = parts.slice(4).filter(p => p !== '')
  if (rest.length > 1 || (rest.length === 1 && rest[0] !== 'http' && rest[0] !== 'https')) {
    throw new MultiaddrError(text, `unsupported protocols after /tcp: /${rest.join('/')}`)
  }
  return { proto: proto as 'ip4', host, port }
}
