// The cluster's libp2p host: TCP + noise + yamux, identify, ping and gossipsub, inside a private
// network keyed by the cluster secret. The embedded IPFS node's bitswap runs on the same host.
import { createLibp2p } from 'libp2p'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { gossipsub } from '@libp2p/gossipsub'
import { mdns } from '@libp2p/mdns'
import { privateNetwork } from './pnet.js'
import { noiseCrypto } from './noise-crypto.js'
import { sendWindowUpdatesAtHalfWindow } from './yamux-window.js'
import { fastMessageId } from './gossip-message-id.js'
import type { ClusterConfig } from '../cluster/config.js'
import type { BandwidthMeter } from './bandwidth.js'

/** per-stream yamux window: 4 MiB keeps ~80 MB/s per stream at 50 ms round trips */
const MAX_STREAM_WINDOW = 4 * 1024 * 1024

export type ClusterHost = Libp2p<{ identify: any, ping: any, pubsub: any }>

export async function createClusterHost (cfg: ClusterConfig, privateKey: PrivateKey, bandwidth?: BandwidthMeter): Promise<ClusterHost> {
  sendWindowUpdatesAtHalfWindow()
  const services: Record<string, any> = {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub({
      // a lone peer still publishes (metrics, CRDT heads): nobody listening is not an error
      allowPublishToZeroTopicPeers: true,
      emitSelf: false,
      // a copy of a message already seen is dropped before its signature is checked again
      fastMsgIdFn: fastMessageId
    })
  }
  const node = await createLibp2p({
    privateKey,
    start: false,
    addresses: {
      listen: cfg.listen_multiaddress,
      announce: cfg.announce_multiaddress
    },
    transports: [tcp()],
    connectionEncrypters: [noise({ crypto: noiseCrypto })],
    // A reader that falls behind pauses its stream (rpc/frame-stream.ts); what the sender had
    // in flight, up to one window, still lands in the stream's read buffer, which must hold it.
    streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: MAX_STREAM_WINDOW, maxReadBufferLength: 2 * MAX_STREAM_WINDOW } })],
    ...(cfg.secret !== '' ? { connectionProtector: privateNetwork(Buffer.from(cfg.secret, 'hex')) } : {}),
    peerDiscovery: cfg.mdns_interval > 0 ? [mdns({ interval: cfg.mdns_interval, serviceTag: '_ipfs-cluster-discovery._udp' })] : [],
    connectionManager: {
      maxConnections: cfg.connection_manager.high_water
    },
    ...(bandwidth != null ? { metrics: bandwidth.component() } : {}),
    services
  })
  return node as unknown as ClusterHost
}
