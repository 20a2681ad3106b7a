// id, version and swarm/peers of the embedded IPFS node, in kubo's shapes (with kubo they pass
// through to kubo).
import { arch, platform } from 'node:os'
import { peerIdFromString } from '@libp2p/peer-id'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { VERSION } from '../../api/types.js'
import type { ProxyCall } from '../context.js'
import { KuboRpcError } from '../errors.js'
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
