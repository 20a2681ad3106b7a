// A daemon whose REST API also listens on libp2p-http (its own host identity, basic auth
// alice:secret), as the cluster-ctl-over-libp2p and the REST libp2p-http tests both need it.
import assert from 'node:assert/strict'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { startDaemon } from './daemon.js'
import type { DaemonHandle } from './daemon.js'

export interface Libp2pHttpDaemon {
  daemon: DaemonHandle
  /** the REST API's libp2p-http multiaddr, /ip4/127.0.0.1/tcp/N/p2p/<apiPeer> */
  addr: string
  /** the peer ID of the REST API's own libp2p host (not the cluster peer's) */
  apiPeer: string
}

export async function startLibp2pHttpDaemon (): Promise<Libp2pHttpDaemon> {
  const key = await generateKeyPair('Ed25519')
  const apiPeer = peerIdFromPrivateKey(key).toString()
  const daemon = await startDaemon({
    configure: json => {
      const r = json.api.restapi
      r.libp2p_listen_multiaddress = '/ip4/127.0.0.1/tcp/0'
      r.id = apiPeer
      r.private_key = Buffer.from(privateKeyToProtobuf(key)).toString('base64')
      r.basic_auth_credentials = { alice: 'secret' }
    }
  })
  const m = new RegExp(`(/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${apiPeer})`).exec(daemon.log())
  assert.ok(m != null, 'the libp2p-http address is logged')
  return { daemon, addr: m[1], apiPeer }
}
