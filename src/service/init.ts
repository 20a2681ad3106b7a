// `cluster-service init`: writes service.json (defaults + CLUSTER_* overrides), identity.json
// (only when absent) and the peerstore file, with upstream's messages.
import { mkdir, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { ServiceConfig } from '../config/service-config.js'
import type { JSONObject } from '../config/section.js'
import { generateIdentity, identityPath, saveIdentity } from '../config/identity.js'
import { applyEnv } from '../config/env.js'
import { INIT_SECTIONS } from './sections.js'
import { applyIpfsBackend, parseIpfsBackend } from '../ipfs/kubo/backend.js'

export interface InitOptions {
  consensus: string
  datastore: string
  peers: string[]
  randomPorts: boolean
  /** the hex secret typed at the --custom-secret prompt */
  secret?: string
  /** --ipfs: embedded (default) or kubo */
  ipfs?: string
  /** upstream's `init <http-source-url>`: service.json is only {"source": url} */
  source?: string
}

export class InitError extends Error {}

export async function initConfig (dir: string, opts: InitOptions, print: (line: string) => void): Promise<void> {
  if (opts.consensus !== 'crdt') throw new InitError(`consensus "${opts.consensus}" is not supported by this peer: use crdt`)
  if (opts.datastore !== 'leveldb' && opts.datastore !== 'level') throw new InitError(`datastore "${opts.datastore}" is not supported by this peer: use leveldb`)
  const ipfsBackend = parseIpfsBackend(opts.ipfs ?? 'embedded')
  const peerIds = opts.peers.map(p => {
    let id: string | null | undefined
    try {
      id = multiaddr(p).getComponents().findLast(c => c.name === 'p2p')?.value
    } catch (err: any) {
      throw new InitError(`invalid peer address ${p}: ${err.message}`)
    }
    if (id == null) throw new InitError(`peer address ${p} has no /p2p/ part`)
    return id
  })
  await mkdir(dir, { recursive: true, mode: 0o700 })
  let json: JSONObject
  if (opts.source != null) {
    // a follower's service.json: only where the configuration is fetched from at every start
    if (!/^https?:\/\//.test(opts.source)) throw new InitError(`the configuration source must be an http(s) URL: ${opts.source}`)
    json = { source: opts.source }
  } else {
    json = ServiceConfig.build(INIT_SECTIONS, process.env, j => {
      const cluster = j.cluster as JSONObject
      if (opts.secret != null) cluster.secret = opts.secret
      if (peerIds.length > 0) ((j.consensus as JSONObject).crdt as JSONObject).trusted_peers = peerIds
      applyIpfsBackend(j, ipfsBackend)
    })
    if (opts.randomPorts) await randomizePorts(json)
  }
  await ServiceConfig.save(dir, json)
  print(`configuration written to ${ServiceConfig.path(dir)}.`)
  if (!existsSync(identityPath(dir))) {
    await saveIdentity(dir, await generateIdentity())
    print(`new identity written to ${identityPath(dir)}`)
  }
  const peerstore = join(dir, String(applyEnv({ peerstore_file: 'peerstore' }, 'CLUSTER').peerstore_file))
  await writeFile(peerstore, opts.peers.map(p => p + '\n').join(''), { mode: 0o600 })
  if (opts.peers.length > 0) print(`peerstore written to ${peerstore} with ${opts.peers.length} entries.`)
  else print(`new empty peerstore written to ${peerstore}.`)
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

/** upstream --randomports: every listen address of the cluster and the APIs gets a free port. */
async function randomizePorts (json: JSONObject): Promise<void> {
  const swap = async (obj: JSONObject | undefined, key: string): Promise<void> => {
    if (obj == null || obj[key] == null) return
    const list = Array.isArray(obj[key]) ? obj[key] as string[] : [obj[key] as string]
    const out = []
    for (const a of list) out.push(a.replace(/\/tcp\/\d+/, `/tcp/${await freePort()}`))
    obj[key] = out.length === 1 ? out[0] : out
  }
  const api = (json.api ?? {}) as Record<string, JSONObject>
  await swap(json.cluster as JSONObject, 'listen_multiaddress')
  await swap(api.restapi, 'http_listen_multiaddress')
  await swap(api.pinsvcapi, 'http_listen_multiaddress')
  await swap(api.ipfsproxy, 'listen_multiaddress')
}
