// A stand-in REST API for browser tests that need no cluster: a node:http server serving the
// real /ui assets and canned answers (n plain pins streamed as NDJSON, three peers, one
// erasure-coded 2+2 file with a lost shard, metrics, alerts, graph).
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadUiAssets } from '../../src/restapi/ui/route.js'

export const PEERS = ['12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', '12D3KooWCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC', '12D3KooWDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD']
export const EC_FILE = 'bafybeiecfileecfileecfileecfileecfileecfileecfileecfile'
const MANIFEST = 'bafyreimanifestmanifestmanifestmanifestmanifestmanifest'

export const cidOf = (i: number): string => `bafkreifake${String(i).padStart(8, '0')}`

const base = {
  replication_factor_min: 1, replication_factor_max: 1, max_depth: -1, mode: 'recursive', reference: null,
  timestamp: '2026-01-01T00:00:00Z', metadata: null, origins: null, user_allocations: null,
  expire_at: '0001-01-01T00:00:00Z', shard_size: 0, pin_update: null
}

function pin (i: number): object {
  return { ...base, cid: cidOf(i), name: `file-${i}`, type: 'pin', allocations: [PEERS[i % PEERS.length]] }
}

const erasure = { manifest: MANIFEST, data_shards: 2, parity_shards: 2 }
const metaPin = { ...base, cid: EC_FILE, name: 'report.pdf', type: 'meta-pin', allocations: [], replication_factor_min: -1, replication_factor_max: -1, max_depth: 0, reference: MANIFEST, erasure }
/** 2 stripes × 4 shards, stripe s shard k on peer (s + k) % 4 */
const shardPins = [0, 1].flatMap(s => [0, 1, 2, 3].map(k => ({
  ...base, cid: `bafyreishard${s}${k}shard${s}${k}shard${s}${k}`, name: `report.pdf-s${s}-${k < 2 ? `data${k}` : `parity${k - 2}`}`,
  type: 'shard-pin', allocations: [PEERS[(s + k) % 4]], max_depth: 1, reference: MANIFEST, erasure: { ...erasure, stripe: s, shard: k }
})))

function ecStatus (): object {
  const lostPin = shardPins[5] // stripe 1, shard 1, on peer 2
  const lost = { stripe: 1, kind: 'data', index: 1, position: 1, cid: lostPin.cid, holder: PEERS[2], reason: 'down' }
  return {
    cid: EC_FILE, name: 'report.pdf', allocations: [], origins: null, created: base.timestamp, metadata: null,
    peer_map: Object.fromEntries(PEERS.map((p, i) => [p, { peername: `peer${i}`, status: 'sharded', timestamp: base.timestamp, error: '', attempt_count: 0, priority_pin: false }])),
    erasure: {
      ...erasure,
      file_size: 3 * 1024 * 1024,
      stripes: [
        { stripe: 0, shards: 4, healthy: 4, lost: [], tolerates: 2 },
        { stripe: 1, shards: 4, healthy: 3, lost: [lost], tolerates: 1 }
      ],
      tree: { holders: [PEERS[0], PEERS[1], PEERS[3]], lost: [] },
      unrecoverable: []
    }
  }
}

function metric (name: string, peer: string, value: string): object {
  return { name, peer, value, expire: (Date.now() + 60_000) * 1e6, valid: true, weight: 0, partitionable: false, received_at: Date.now() * 1e6 }
}

export interface FakeApi {
  url: string
  /** every CID whose status was asked with GET /pins?cids= */
  statusAsked: string[]
  close: () => Promise<void>
}

export async function startFakeApi (n: number): Promise<FakeApi> {
  const assets = loadUiAssets()
  const statusAsked: string[] = []
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const path = url.pathname
    const json = (v: unknown): void => { res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(v) + '\n') }
    const lines = (vs: unknown[]): void => { res.writeHead(200, { 'Content-Type': 'application/json' }).end(vs.map(v => JSON.stringify(v)).join('\n') + '\n') }
    if (path === '/ui' || path.startsWith('/ui/')) {
      const a = assets.get(path === '/ui' ? 'index.html' : path.slice(4))
      if (a == null) { res.writeHead(404).end(); return }
      res.writeHead(200, { 'Content-Type': a.type }).end(a.body)
    } else if (path === '/id') {
      json({ id: PEERS[0], peername: 'peer0', version: '1.1.6' })
    } else if (path === '/peers') {
      lines(PEERS.map((id, i) => ({ id, peername: `peer${i}`, version: '1.1.6', cluster_peers: PEERS, ipfs: { id, addresses: [], error: '' }, error: i === 2 ? 'context deadline exceeded' : '' })))
    } else if (path.startsWith('/monitor/metrics/')) {
      const name = path.slice('/monitor/metrics/'.length)
      json(PEERS.filter((_, i) => i !== 2).map((p, i) => metric(name, p, name === 'freespace' ? String((40 + i) * 2 ** 30) : name === 'pinqueue' ? String(i) : '')))
    } else if (path === '/health/alerts') {
      json([{ ...metric('ping', PEERS[2], ''), triggered_at: new Date().toISOString() }])
    } else if (path === '/health/graph') {
      json({
        cluster_id: PEERS[0],
        id_to_peername: Object.fromEntries(PEERS.map((p, i) => [p, `peer${i}`])),
        cluster_links: Object.fromEntries(PEERS.filter((_, i) => i !== 2).map(p => [p, PEERS.filter(q => q !== p && q !== PEERS[2])])),
        ipfs_links: {},
        cluster_trust_links: Object.fromEntries(PEERS.map(p => [p, true])),
        cluster_to_ipfs: {}
      })
    } else if (path === '/allocations') {
      const filter = url.searchParams.get('filter') ?? ''
      if (filter === 'shard-pin') { lines(shardPins); return }
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.write(JSON.stringify(metaPin) + '\n')
      // streamed in chunks, as the daemon does
      let i = 0
      const more = (): void => {
        while (i < n) {
          const chunk: string[] = []
          for (const end = Math.min(n, i + 2000); i < end; i++) chunk.push(JSON.stringify(pin(i)))
          if (!res.write(chunk.join('\n') + '\n')) { res.once('drain', more); return }
        }
        res.end()
      }
      more()
    } else if (path === `/allocations/${EC_FILE}`) {
      json(metaPin)
    } else if (path === `/pins/${EC_FILE}`) {
      json(ecStatus())
    } else if (path === '/pins' && url.searchParams.has('cids')) {
      const cids = (url.searchParams.get('cids') ?? '').split(',')
      statusAsked.push(...cids)
      lines(cids.map(cid => ({
        cid, name: '', peer_map: Object.fromEntries(PEERS.map((p, i) => [p, { peername: `peer${i}`, status: i === 0 ? 'pinned' : 'remote', error: '' }]))
      })))
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"code":404,"message":"not found"}\n')
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    statusAsked,
    close: async () => {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}
