// cluster-ctl over libp2p (upstream's `--host /ip4/…/tcp/9096/p2p/<id>` or `/dnsaddr/…`): HTTP/1.1
// over a /libp2p-http stream to the REST API's libp2p endpoint, through node:http with the
// stream as its socket. One client libp2p node per process, made on first use (with the
// cluster secret as a private network when --secret is given), stopped by stopLibp2pClients.
import { createLibp2p } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import type { Duplex } from 'node:stream'
import { LIBP2P_HTTP_PROTOCOL, StreamSocket } from '../../restapi/common/libp2p-http.js'
import { privateNetwork } from '../../host/pnet.js'
import { noiseCrypto } from '../../host/noise-crypto.js'

const nodes = new Map<string, Promise<Libp2p>>()

function clientNode (secret: Uint8Array | undefined): Promise<Libp2p> {
  const key = secret == null ? '' : Buffer.from(secret).toString('hex')
  let node = nodes.get(key)
  if (node == null) {
    node = createLibp2p({
      transports: [tcp()],
      connectionEncrypters: [noise({ crypto: noiseCrypto })],
      streamMuxers: [yamux()],
      ...(secret != null ? { connectionProtector: privateNetwork(secret) } : {})
    })
    nodes.set(key, node)
  }
  return node
}

/** Opens a /libp2p-http stream to the API at addr, as a socket for node:http. */
export async function dialLibp2pHttp (addr: string, secret: Uint8Array | undefined, signal?: AbortSignal): Promise<Duplex> {
  const node = await clientNode(secret)
  const ma = multiaddr(addr)
  const stream = await node.dialProtocol(ma, LIBP2P_HTTP_PROTOCOL, { signal })
  const peer = ma.getComponents().findLast(c => c.name === 'p2p')?.value ?? 'libp2p'
  return new StreamSocket(stream, peer)
}

/** Stops the client libp2p nodes (the end of a cluster-ctl run). */
export async function stopLibp2pClients (): Promise<void> {
  const all = [...nodes.values()]
  nodes.clear()
  await Promise.allSettled(all.map(async n => { await (await n).stop() }))
}
