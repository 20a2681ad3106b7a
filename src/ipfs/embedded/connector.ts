// The embedded IPFS backend: a Helia node on the cluster's own libp2p host, blocks on disk in
// blockstore-fs, pins in its level datastore. Cluster peers are connected to each other, so
// bitswap finds blocks among them without public routers.
import { join } from 'node:path'
import { statfs } from 'node:fs/promises'
import { createHeliaLight } from 'helia'
import type { Helia } from 'helia'
import { withBitswap } from '@helia/bitswap'
import { LevelDatastore } from 'datastore-level'
import { CID } from 'multiformats/cid'
import * as dagCbor from '@ipld/dag-cbor'
import * as json from 'multiformats/codecs/json'
import { sha512 } from 'multiformats/hashes/sha2'
import { sha3224, sha3256, sha3384, sha3512, keccak256, keccak512 } from '@multiformats/sha3'
import { exporter } from 'ipfs-unixfs-exporter'
import type { Logger } from 'pino'
import type { IPFSID, IPFSRepoGC, IPFSRepoStat, Pin } from '../../api/types.js'
import type { CallOptions, IpfsBlock, IpfsConnector, IpfsPinEntry, IpfsPinType } from '../connector.js'
import type { ClusterHost } from '../../host/host.js'
import type { EmbeddedIpfsConfig } from './config.js'
import { SizedBlockstore } from './sized-blockstore.js'
import { withProgressTimeout, withTimeout } from '../timeouts.js'
import { IpfsError } from '../errors.js'

export class EmbeddedIpfs implements IpfsConnector {
  private readonly cfg: EmbeddedIpfsConfig
  private readonly host: ClusterHost
  private readonly log: Logger
  private readonly blockstore: SizedBlockstore
  private readonly datastore: LevelDatastore
  private helia?: Helia
  private readonly repoDir: string

  constructor (init: { config: EmbeddedIpfsConfig, configDir: string, host: ClusterHost, logger: Logger }) {
    this.cfg = init.config
    this.host = init.host
    this.log = init.logger
    this.repoDir = join(init.configDir, init.config.repo_folder)
    this.blockstore = new SizedBlockstore(join(this.repoDir, 'blocks'))
    this.datastore = new LevelDatastore(join(this.repoDir, 'datastore'))
  }

  async start (): Promise<void> {
    await this.blockstore.open()
    await this.datastore.open()
    const helia = createHeliaLight({
      blockstore: this.blockstore,
      datastore: this.datastore,
      codecs: [dagCbor, json],
      hashers: [sha512, sha3224, sha3256, sha3384, sha3512, keccak256, keccak512],
      routers: []
    }) as any
    // Helia cannot be handed an existing libp2p node; expose ours and let bitswap run on it.
    Object.defineProperty(helia, 'libp2p', { value: this.host, enumerable: true })
    withBitswap(helia)
    await helia.start()
    this.helia = helia as Helia
    this.log.info({ repo: this.repoDir }, 'embedded IPFS node started')
  }

  async stop (): Promise<void> {
    await this.helia?.stop()
    await this.datastore.close()
    await this.blockstore.close()
  }

  private get node (): Helia {
    if (this.helia == null) throw new IpfsError('the embedded IPFS node is not started')
    return this.helia
  }

  async id (): Promise<IPFSID> {
    return {
      id: this.host.peerId.toString(),
      addresses: this.host.getMultiaddrs().map(a => a.toString()),
      error: ''
    }
  }

  async pin (pin: Pin, opts: CallOptions = {}): Promise<void> {
    const cid = CID.parse(pin.cid)
    const depth = pin.max_depth < 0 ? Infinity : pin.max_depth
    const existing = await this.pinDepth(cid)
    if (existing === depth) return
    // Turning a pin into another depth: add the new one before removing the old, so the
    // blocks stay protected from GC the whole time.
    await withProgressTimeout(this.cfg.pin_timeout, opts.signal, async (signal, progress) => {
      if (existing !== undefined) {
        for await (const _ of this.node.pins.rm(cid, { signal })) progress()
      }
      for await (const _ of this.node.pins.add(cid, { depth, signal })) progress()
    })
  }

  async unpin (cid: string, opts: CallOptions = {}): Promise<void> {
    const c = CID.parse(cid)
    if (await this.pinDepth(c) === undefined) return
    await withTimeout(this.cfg.unpin_timeout, opts.signal, async signal => {
      for await (const _ of this.node.pins.rm(c, { signal })) { /* drain */ }
    })
  }

  private async pinDepth (cid: CID): Promise<number | undefined> {
    try {
      return (await this.node.pins.get(cid)).depth
    } catch (err: any) {
      if (err.name === 'NotFoundError') return undefined
      throw err
    }
  }

  async * pinLs (types: Array<'recursive' | 'direct'>, opts: CallOptions = {}): AsyncIterable<IpfsPinEntry> {
    for await (const p of this.node.pins.ls({ signal: opts.signal })) {
      const type = typeOfDepth(p.depth)
      if ((types as string[]).includes(type)) yield { cid: p.cid.toString(), type }
    }
  }

  async pinLsCid (cid: string): Promise<IpfsPinType | undefined> {
    const depth = await this.pinDepth(CID.parse(cid))
    return depth === undefined ? undefined : typeOfDepth(depth)
  }

  async blockStream (blocks: AsyncIterable<IpfsBlock>, opts: CallOptions = {}): Promise<void> {
    for await (const b of blocks) await this.blockPut(b, opts)
  }

  async blockPut (block: IpfsBlock, opts: CallOptions = {}): Promise<void> {
    await this.node.blockstore.put(CID.parse(block.cid), block.bytes, { signal: opts.signal })
  }

  async blockGet (cid: string, opts: CallOptions = {}): Promise<Uint8Array> {
    return await withTimeout(this.cfg.ipfs_request_timeout, opts.signal, async signal => {
      const chunks: Uint8Array[] = []
      for await (const c of this.node.blockstore.get(CID.parse(cid), { signal })) chunks.push(c)
      return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
    })
  }

  async blockStat (cid: string): Promise<number | undefined> {
    const c = CID.parse(cid)
    if (!(await this.blockstore.has(c))) return undefined
    return await this.blockstore.byteSize(c)
  }

  async repoStat (): Promise<IPFSRepoStat> {
    const repoSize = this.blockstore.repoSize
    let storageMax = this.cfg.storage_max
    try {
      const fs = await statfs(this.repoDir)
      storageMax = Math.min(storageMax, repoSize + fs.bavail * fs.bsize)
    } catch { /* the configured maximum stands */ }
    return { RepoSize: repoSize, StorageMax: storageMax }
  }

  async * repoGC (opts: CallOptions = {}): AsyncIterable<IPFSRepoGC> {
    const removed: IPFSRepoGC[] = []
    await withTimeout(this.cfg.repogc_timeout, opts.signal, async signal => {
      await this.node.gc({
        signal,
        onProgress: (evt: any) => {
          if (evt.type === 'helia:gc:deleted') removed.push({ key: evt.detail.toString() })
          else if (evt.type === 'helia:gc:error') removed.push({ key: '', error: String(evt.detail?.message ?? evt.detail) })
        }
      })
    })
    yield * removed
  }

  async resolve (path: string, opts: CallOptions = {}): Promise<string> {
    const m = /^\/(ipfs|ipld|ipns)\/([^/]+)(\/.*)?$/.exec(path)
    if (m == null) throw new IpfsError(`invalid path "${path}"`)
    if (m[1] === 'ipns') throw new IpfsError(`could not resolve name "${path}": IPNS is not available on the embedded IPFS node`)
    const root = CID.parse(m[2])
    if (m[3] == null || m[3] === '/' || m[3] === '') return root.toString()
    return await withTimeout(this.cfg.ipfs_request_timeout, opts.signal, async signal => {
      const entry = await exporter(`${root.toString()}${m[3].replace(/\/+$/, '')}`, this.node.blockstore as any, { signal })
      return entry.cid.toString()
    })
  }

  async swarmPeers (): Promise<string[]> {
    return this.host.getPeers().map(p => p.toString())
  }

  /** The Helia node, for the IPFS proxy and the erasure reader (block-level access). */
  get heliaNode (): Helia {
    return this.node
  }
}

function typeOfDepth (depth: number): 'recursive' | 'direct' {
  return depth === 0 ? 'direct' : 'recursive'
}
