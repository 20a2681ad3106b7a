// The embedded IPFS backend: a Helia node on the cluster's own libp2p host, blocks on disk in
// blockstore-fs, pins in its level datastore. Cluster peers are connected to each other, so
// bitswap finds blocks among them without public routers.
import { join } from 'node:path'
import { statfs } from 'node:fs/promises'
import type { Helia } from 'helia'
import { withBitswap } from '@helia/bitswap'
import { CID } from 'multiformats/cid'
import * as dagCbor from '@ipld/dag-cbor'
import * as json from 'multiformats/codecs/json'
import { sha512 } from 'multiformats/hashes/sha2'
import { sha3224, sha3256, sha3384, sha3512, keccak256, keccak512 } from '@multiformats/sha3'
import { exporter } from 'ipfs-unixfs-exporter'
import type { Logger } from 'pino'
import type { IPFSID, IPFSRepoGC, IPFSRepoStat, Pin } from '../../api/types.js'
import type { CallOptions, IpfsBlock, IpfsConnector, IpfsPinEntry, IpfsPinType, PinTypeLookup, SwarmConnection } from '../connector.js'
import { multiaddr } from '@multiformats/multiaddr'
import type { ClusterHost } from '../../host/host.js'
import type { EmbeddedIpfsConfig } from './config.js'
import { SizedBlockstore } from './sized-blockstore.js'
import { blockAnnouncer, createHeliaNode } from './helia-node.js'
import type { AnnounceBlock } from './helia-node.js'
import { LevelStore } from '../../datastore/level-store.js'
import { Pinset } from './pinset.js'
import { RecentBlocks } from './recent-blocks.js'
import { RWLock } from '../../common/rwlock.js'

import { withProgressTimeout, withTimeout } from '../timeouts.js'
import { IpfsError } from '../errors.js'

/** the multihash code of an identity CID: the block is its digest */
const IDENTITY = 0x00

const NOT_STARTED = 'the embedded IPFS node is not started'

/** blocks of one block stream written at once */
const PUT_CONCURRENCY = 8

export class EmbeddedIpfs implements IpfsConnector {
  private readonly cfg: EmbeddedIpfsConfig
  private readonly host: ClusterHost
  private readonly log: Logger
  private readonly blockstore: SizedBlockstore
  private readonly datastore: LevelStore
  private helia?: Helia
  /** tells the node's block brokers of a block stored here (set when the node starts) */
  private announce?: AnnounceBlock
  private pins!: Pinset
  private readonly gcLock = new RWLock()
  private readonly recent: RecentBlocks
  private readonly repoDir: string
  /** the listing of stored pins and block marks for the read filter (see Pinset.filterReads) */
  private filtering?: { abort: AbortController, done: Promise<void> }

  constructor (init: { config: EmbeddedIpfsConfig, configDir: string, host: ClusterHost, logger: Logger }) {
    this.cfg = init.config
    this.host = init.host
    this.log = init.logger
    this.repoDir = join(init.configDir, init.config.repo_folder)
    this.recent = new RecentBlocks(init.config.gc_grace_period)
    this.blockstore = new SizedBlockstore(join(this.repoDir, 'blocks'))
    this.datastore = new LevelStore(join(this.repoDir, 'datastore'))
  }

  async start (): Promise<void> {
    await this.blockstore.open()
    await this.datastore.open()
    const helia = await createHeliaNode({
      blockstore: this.blockstore,
      datastore: this.datastore,
      codecs: [dagCbor, json],
      hashers: [sha512, sha3224, sha3256, sha3384, sha3512, keccak256, keccak512]
    }) as any
    // Helia cannot be handed an existing libp2p node; expose ours and let bitswap run on it.
    Object.defineProperty(helia, 'libp2p', { value: this.host, enumerable: true })
    withBitswap(helia)
    await helia.start()
    this.helia = helia as Helia
    this.announce = blockAnnouncer(this.helia)
    this.pins = new Pinset(this.datastore, {
      get: async (cid, o) => await this.readBlock(cid, o.offline === true ? this.blockstore : this.node.blockstore, o.signal),
      has: async cid => await this.blockstore.has(cid),
      head: (cid, bytes) => this.blockstore.head(cid, bytes)
    })
    const abort = new AbortController()
    this.filtering = {
      abort,
      done: this.pins.filterReads({ signal: abort.signal }).catch(err => {
        if (!abort.signal.aborted) this.log.warn({ err: String(err) }, 'listing the pinset for the read filter failed: reads go to the datastore')
      })
    }
    this.log.info({ repo: this.repoDir }, 'embedded IPFS node started')
  }

  async stop (): Promise<void> {
    this.filtering?.abort.abort()
    await this.filtering?.done
    await this.helia?.stop()
    await this.datastore.close()
    await this.blockstore.close()
  }

  private get node (): Helia {
    if (this.helia == null) throw new IpfsError(NOT_STARTED)
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
    if ((await this.pins.depthOf(cid)) === depth) return
    await this.gcLock.read(async () => {
      await withProgressTimeout(this.cfg.pin_timeout, opts.signal, async (signal, progress) => {
        await this.pins.add(cid, depth, { signal, progress })
      })
    })
  }

  async unpin (cid: string, opts: CallOptions = {}): Promise<void> {
    const c = CID.parse(cid)
    if ((await this.pins.depthOf(c)) === undefined) return
    await withTimeout(this.cfg.unpin_timeout, opts.signal, async signal => { await this.pins.rm(c, { signal }) })
  }

  async * pinLs (types: Array<'recursive' | 'direct'>, opts: CallOptions = {}): AsyncIterable<IpfsPinEntry> {
    for await (const p of this.pins.list(opts)) {
      const type = typeOfDepth(p.depth)
      if ((types as string[]).includes(type)) yield { cid: p.cid, type }
    }
  }

  async pinLsCid (cid: string): Promise<IpfsPinType | undefined> {
    const depth = await this.pins.depthOf(cid)
    return depth === undefined ? undefined : typeOfDepth(depth)
  }

  async pinTypes (): Promise<PinTypeLookup> {
    return async cid => await this.pinLsCid(cid)
  }

  /**
   * Stores the blocks PUT_CONCURRENCY at a time: each write is several file system calls on
   * libuv's thread pool, and one block at a time leaves the stream waiting on each round trip
   * (a loaded machine makes each one slow). The first failure ends the stream.
   */
  async blockStream (blocks: AsyncIterable<IpfsBlock>, opts: CallOptions = {}): Promise<void> {
    const writing = new Set<Promise<void>>()
    let failed: { err: unknown } | undefined
    for await (const b of blocks) {
      if (failed != null) break
      const write: Promise<void> = this.blockPut(b, opts)
        .catch(err => { failed ??= { err } })
        .finally(() => { writing.delete(write) })
      writing.add(write)
      if (writing.size >= PUT_CONCURRENCY) await Promise.race(writing)
    }
    await Promise.all(writing)
    if (failed != null) throw failed.err
  }

  /**
   * Stores a block and tells bitswap it is here, as Helia's block put does, but straight into
   * the blockstore: Helia's layers cost each block a lock (for its own gc, never run here:
   * repoGC holds gcLock), a second look for the file and a wrapper that only drops identity
   * blocks (dropped here); perf put them at 5-8 % of a receiving peer's main thread.
   */
  async blockPut (block: IpfsBlock, opts: CallOptions = {}): Promise<void> {
    const announce = this.announce
    if (announce == null) throw new IpfsError(NOT_STARTED)
    const cid = CID.parse(block.cid)
    if (cid.multihash.code === IDENTITY) return // its bytes are in the CID
    await this.gcLock.read(async () => {
      const written = await this.blockstore.store(cid, block.bytes, { signal: opts.signal })
      this.recent.touch(cid)
      if (written) await announce(cid, { signal: opts.signal })
    })
  }

  async blockGet (cid: string, opts: CallOptions = {}): Promise<Uint8Array> {
    return await withTimeout(this.cfg.ipfs_request_timeout, opts.signal, async signal =>
      await this.readBlock(CID.parse(cid), this.node.blockstore, signal))
  }

  async blockGetLocal (cid: string, opts: CallOptions = {}): Promise<Uint8Array | undefined> {
    const c = CID.parse(cid)
    try {
      return await this.readBlock(c, this.blockstore, opts.signal)
    } catch (err) {
      opts.signal?.throwIfAborted()
      if (!(await this.blockstore.has(c))) return undefined
      throw err
    }
  }

  private async readBlock (cid: CID, store: { get: (c: CID, o: { signal?: AbortSignal }) => AsyncIterable<Uint8Array> | Iterable<Uint8Array> }, signal?: AbortSignal): Promise<Uint8Array> {
    const chunks: Uint8Array[] = []
    for await (const c of store.get(cid, { signal })) chunks.push(c)
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
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

  /**
   * Deletes every block no pin reaches. Blocks stored within gc_grace_period are kept: an add
   * stores its blocks before the cluster pin reaches this node.
   */
  async * repoGC (opts: CallOptions = {}): AsyncIterable<IPFSRepoGC> {
    const removed: IPFSRepoGC[] = []
    await withTimeout(this.cfg.repogc_timeout, opts.signal, async signal => {
      await this.gcLock.write(async () => {
        const garbage: CID[] = []
        for await (const { cid } of this.blockstore.getAll({ signal })) {
          if (this.recent.has(cid) || await this.pins.isPinned(cid)) continue
          garbage.push(cid)
        }
        for (const cid of garbage) {
          try {
            await this.blockstore.delete(cid, { signal })
            removed.push({ key: cid.toString() })
          } catch (err) {
            removed.push({ key: cid.toString(), error: String((err as Error).message) })
          }
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

  async blockRm (cid: string, opts: CallOptions = {}): Promise<void> {
    const c = CID.parse(cid)
    // under the GC lock: a pin being walked cannot lose a block it just marked
    await this.gcLock.write(async () => {
      if (!(await this.blockstore.has(c))) throw new IpfsError('blockstore: block not found')
      if (await this.pins.isPinned(c)) {
        const depth = await this.pins.depthOf(c)
        throw new IpfsError(`pinned: ${depth === undefined ? 'indirect' : typeOfDepth(depth)}`)
      }
      await this.blockstore.delete(c, { signal: opts.signal })
    })
  }

  async swarmConnect (addr: string, opts: CallOptions = {}): Promise<string> {
    const ma = multiaddr(addr)
    const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    if (id == null) throw new IpfsError(`invalid peer address "${addr}": the address must end in /p2p/<peer id>`)
    const conn = await this.host.dial(ma, { signal: opts.signal })
    return conn.remotePeer.toString()
  }

  async swarmConnections (): Promise<SwarmConnection[]> {
    return this.host.getConnections().map(c => ({
      peer: c.remotePeer.toString(),
      addr: c.remoteAddr.toString(),
      direction: c.direction
    }))
  }
}

function typeOfDepth (depth: number): 'recursive' | 'direct' {
  return depth === 0 ? 'direct' : 'recursive'
}
