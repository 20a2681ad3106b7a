// id, version and swarm/peers of the embedded IPFS node, in kubo's shapes (with kubo they pass
// through to kubo).
import { arch, platform } from 'node:os'
import { peerIdFromString } from '@libp2p/peer-id'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { VERSION } from '../../api/types.js'
import type { ProxyCall } from '../context.js'
import { KuboRpcError } from '../errors.js'
import { errorMessage } from '../../api/errors.js'
import { sendJson } from '../respond.js'

export const AGENT_VERSION = `ipfs-cluster/${VERSION}/embedded-helia`

export async function id (call: ProxyCall): Promise<void> {
  const self = await call.deps.ipfs.id({ signal: call.signal })
  if (self.error !== '' || self.id == null) throw new KuboRpcError(self.error !== '' ? self.error : 'IPFS node has no identity')
  const arg = call.query.get('arg')
  if (arg != null && arg !== '' && arg !== self.id) throw new KuboRpcError('the cluster\'s IPFS proxy only answers id for its own node')
  let publicKey = ''
  try {
    const key = peerIdFromString(self.id).publicKey
    if (key != null) publicKey = Buffer.from(publicKeyToProtobuf(key)).toString('base64')
  } catch { /* an identity without an inline key: kubo prints "" too */ }
  sendJson(call.res, {
    ID: self.id,
    PublicKey: publicKey,
    Addresses: (self.addresses ?? []).map(a => a.includes('/p2p/') ? a : `${a}/p2p/${self.id ?? ''}`),
    AgentVersion: AGENT_VERSION,
    Protocols: []
  })
}

export async function version (call: ProxyCall): Promise<void> {
  sendJson(call.res, { Version: VERSION, Commit: '', Repo: '', System: `${arch()}/${platform()}`, Golang: `node${process.versions.node}` })
}

export async function swarmPeers (call: ProxyCall): Promise<void> {
  const conns = await call.deps.ipfs.swarmConnections?.({ signal: call.signal })
  if (conns != null) {
    // kubo's connInfo: Direction 1 inbound, 2 outbound; one entry per connection
    sendJson(call.res, {
      Peers: conns.map(c => ({ Addr: c.addr, Peer: c.peer, Latency: '', Muxer: '', Direction: c.direction === 'inbound' ? 1 : 2, Streams: null }))
    })
    return
  }
  const peers = await call.deps.ipfs.swarmPeers({ signal: call.signal })
  // the connector knows peer IDs only: a /p2p address is what kubo clients can parse
  sendJson(call.res, { Peers: peers.map(p => ({ Addr: `/p2p/${p}`, Peer: p, Latency: '', Muxer: '', Direction: 0, Streams: null })) })
}

/** resolve: a path to the /ipfs/<cid> it ends at (IPNS is not available on the embedded node). */
export async function resolve (call: ProxyCall): Promise<void> {
  const arg = call.query.get('arg')
  if (arg == null || arg === '') throw new KuboRpcError('argument "name" is required', 400, 1)
  const path = arg.startsWith('/') ? arg : `/ipfs/${arg}`
  const cid = await call.deps.ipfs.resolve(path, { signal: call.signal })
  sendJson(call.res, { Path: `/ipfs/${cid}` })
}

/** swarm/connect <multiaddr>...: {"Strings": ["connect <id> success"]}; a failure is kubo's error. */
export async function swarmConnect (call: ProxyCall): Promise<void> {
  const addrs = call.query.getAll('arg')
  if (addrs.length === 0) throw new KuboRpcError('argument "address" is required', 400, 1)
  const connect = call.deps.ipfs.swarmConnect
  if (connect == null) throw new KuboRpcError('swarm/connect is not implemented by this IPFS backend', 501)
  const out: string[] = []
  for (const a of addrs) {
    let id = a.split('/p2p/').pop() ?? a
    try {
      id = await connect.call(call.deps.ipfs, a, { signal: call.signal })
    } catch (err) {
      throw new KuboRpcError(`connect ${id} failure: ${errorMessage(err)}`)
    }
    out.push(`connect ${id} success`)
  }
  sendJson(call.res, { Strings: out })
}

/** name/resolve: IPNS needs a routing system the embedded node does not run. */
export async function nameResolve (call: ProxyCall): Promise<void> {
  const arg = call.query.get('arg') ?? ''
  if (arg.startsWith('/ipfs/')) {
    // an /ipfs/ path is already resolved (kubo answers it the same way)
    sendJson(call.res, { Path: arg })
    return
  }
  throw new KuboRpcError(`could not resolve name${arg === '' ? '' : ` "${arg}"`}: IPNS is not implemented by the embedded IPFS node`, 501)
}
