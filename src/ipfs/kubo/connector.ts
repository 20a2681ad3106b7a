// The kubo backend (upstream's ipfshttp connector): every IpfsConnector call is one kubo RPC
// call. Plain HTTP rather than kubo-rpc-client because the connector needs what the client does
// not offer: one block/put request streaming a whole add, pin/add progress lines (pin_timeout is
// "no progress for this long", not a deadline), kubo's error bodies kept as typed errors, and
// unix-socket node addresses.
import type { Logger } from 'pino'
import { CID } from 'multiformats/cid'
import { base16 } from 'multiformats/bases/base16'
import type { IPFSID, IPFSRepoGC, IPFSRepoStat, Pin } from '../../api/types.js'
import type { CallOptions, IpfsBlock, IpfsConnector, IpfsPinEntry, IpfsPinType, PinTypeLookup } from '../connector.js'
import { IpfsError } from '../errors.js'
import { withProgressTimeout, withTimeout } from '../timeouts.js'
import { withTimeout as timeoutSignal } from '../../common/signal.js'
import type { IpfsHttpConfig } from './config.js'
import { codecName, hashName } from './codec-names.js'
import { KuboApiError } from './errors.js'
import { KuboHttp } from './http.js'
import { MultipartBody } from './multipart-body.js'
import type { FilePart } from './multipart-body.js'
import { parseNodeMultiaddr } from './node-address.js'
import { ReadinessLoop } from './readiness.js'

export interface KuboConnectorInit {
  config: IpfsHttpConfig
  logger: Logger
  /** https to kubo (upstream has no such key for the connector; the proxy's node_https) */
  https?: boolean
  /** IPFS addresses of the other cluster peers, for the swarm-connect round after start */
  peerIpfsAddresses?: (signal: AbortSignal) => Promise<string[]>
  /** asks the informers to publish now (informer_trigger_interval) */
  triggerInformers?: () => void
}

const MAX_ORIGINS = 10

interface PinProgress { Pins?: string[] | null, Progress?: number }
interface PinLsLine { Cid: string | { '/': string }, Type: string }
interface BlockPutLine { Key: string | { '/': string }, Size: number }
interface RepoGCLine { Key?: string | { '/': string } | null, Error?: string }

export class KuboConnector implements IpfsConnector {
  private readonly cfg: IpfsHttpConfig
  private readonly log: Logger
  private readonly http: KuboHttp
  private readonly init: KuboConnectorInit
  private readonly lifetime = new AbortController()
  private readonly readiness: ReadinessLoop
  private triggerCount = 0

  constructor (init: KuboConnectorInit) {
    this.init = init
    this.cfg = init.config
    this.log = init.logger
    this.http = new KuboHttp(parseNodeMultiaddr(init.config.node_multiaddress), { https: init.https })
    this.readiness = new ReadinessLoop({
      probe: async signal => { await this.rawId(signal) },
      logger: this.log,
      signal: this.lifetime.signal
    })
  }

  /** Starts polling `id` until kubo answers; does not wait for it (see ready()). */
  async start (): Promise<void> {
    this.readiness.start()
    void this.readiness.ready().then(() => {
      this.log.info({ node: this.cfg.node_multiaddress }, 'IPFS (kubo) is ready')
      this.scheduleSwarmConnect()
    }, () => {})
  }

  async stop (): Promise<void> {
    this.lifetime.abort(new IpfsError('IPFS connector stopped'))
  }

  /** Resolves once kubo has answered `id` (upstream's Ready channel). */
  async ready (signal?: AbortSignal): Promise<void> {
    await this.readiness.ready(signal)
  }

  private signal (opts: CallOptions): AbortSignal {
    return opts.signal == null ? this.lifetime.signal : AbortSignal.any([opts.signal, this.lifetime.signal])
  }

  private async rawId (signal: AbortSignal): Promise<{ ID: string, Addresses: string[] | null }> {
    return await withTimeout(this.cfg.ipfs_request_timeout, signal, async s =>
      await this.http.json({ path: 'id', signal: s }))
  }

  async id (opts: CallOptions = {}): Promise<IPFSID> {
    try {
      const r = await this.rawId(this.signal(opts))
      return { id: r.ID, addresses: r.Addresses ?? [], error: '' }
    } catch (err) {
      return { addresses: [], error: (err as Error).message }
    }
  }

  async pin (pin: Pin, opts: CallOptions = {}): Promise<void> {
    const signal = this.signal(opts)
    const want: IpfsPinType = pin.max_depth === 0 ? 'direct' : 'recursive'
    if (await this.pinLsCid(pin.cid, { signal }, want) === want) {
      this.log.debug({ cid: pin.cid }, 'IPFS object is already pinned')
      return
    }
    this.countTrigger()
    const pinning = new AbortController()
    const pinSignal = AbortSignal.any([signal, pinning.signal])
    try {
      // Connecting to where the content is first saves kubo a slow DHT search.
      for (const origin of (pin.origins ?? []).slice(0, MAX_ORIGINS)) {
        this.http.json({ path: 'swarm/connect', query: { arg: origin }, signal: pinSignal })
          .then(() => this.log.debug({ origin }, 'swarm-connect to origin succeeded'),
            err => this.log.debug({ origin, err: (err as Error).message }, 'swarm-connect to origin failed'))
      }
      if (pin.pin_update != null && await this.pinLsCid(pin.pin_update, { signal }, 'recursive') === 'recursive') {
        await this.http.json({ path: 'pin/update', query: [['arg', pin.pin_update], ['arg', pin.cid], ['unpin', 'false']], signal })
        this.log.info({ from: pin.pin_update, to: pin.cid }, 'IPFS pin update request succeeded')
        return
      }
      await withProgressTimeout(this.cfg.pin_timeout, pinSignal, async (s, progress) => {
        let last = 0
        for await (const line of this.http.ndjson<PinProgress>({ path: 'pin/add', query: pinQuery(pin), signal: s })) {
          if (typeof line.Progress === 'number' && line.Progress > last) {
            last = line.Progress
            progress()
          }
        }
      })
      this.log.info({ cid: pin.cid }, 'IPFS pin request succeeded')
    } finally {
      pinning.abort()
      this.countTrigger()
    }
  }

  async unpin (cid: string, opts: CallOptions = {}): Promise<void> {
    if (this.cfg.unpin_disable) throw new IpfsError('ipfs unpinning is disallowed by configuration on this peer')
    try {
      await withTimeout(this.cfg.unpin_timeout, this.signal(opts), async s =>
        await this.http.json({ path: 'pin/rm', query: { arg: cid }, signal: s }))
      this.log.info({ cid }, 'IPFS unpin request succeeded')
    } catch (err) {
      if (err instanceof KuboApiError && err.notPinned) {
        this.log.debug({ cid }, 'IPFS object is already unpinned')
        return
      }
      throw err
    }
  }

  async * pinLs (types: Array<'recursive' | 'direct'>, opts: CallOptions = {}): AsyncIterable<IpfsPinEntry> {
    const signal = timeoutSignal(this.cfg.ipfs_request_timeout, this.signal(opts))
    for (const type of types) {
      for await (const line of this.http.ndjson<PinLsLine>({ path: 'pin/ls', query: { stream: 'true', type }, signal })) {
        // kubo filters by type itself; a cluster's IPFS proxy lists every pin whatever the type
        if (pinTypeOf(line.Type) !== type) continue
        yield { cid: cidOf(line.Cid), type }
      }
    }
  }

  async pinLsCid (cid: string, opts: CallOptions = {}, type: IpfsPinType | 'all' = 'all'): Promise<IpfsPinType | undefined> {
    return await withTimeout(this.cfg.ipfs_request_timeout, this.signal(opts), async signal => {
      try {
        for await (const line of this.http.ndjson<PinLsLine>({ path: 'pin/ls', query: { stream: 'true', arg: cid, type }, signal })) {
          return pinTypeOf(line.Type)
        }
        return undefined
      } catch (err) {
        if (err instanceof KuboApiError && err.notPinned) return undefined
        throw err
      }
    })
  }

  async pinTypes (opts: CallOptions = {}): Promise<PinTypeLookup> {
    const types = new Map<string, IpfsPinType>()
    for await (const p of this.pinLs(['recursive', 'direct'], opts)) types.set(p.cid, p.type)
    return async cid => types.get(cid)
  }

  async blockStream (blocks: AsyncIterable<IpfsBlock>, opts: CallOptions = {}): Promise<void> {
    const signal = this.signal(opts)
    const it = blocks[Symbol.asyncIterator]()
    const first = await it.next()
    if (first.done === true) return
    const prefix = CID.parse(first.value.cid)
    const query = {
      'cid-codec': codecName(prefix.code),
      mhtype: hashName(prefix.multihash.code),
      mhlen: prefix.multihash.size,
      pin: 'false',
      'allow-big-block': 'true'
    }
    // kubo names each block with the request's codec: blocks are matched on their multihash
    const sent = new Map<string, number>()
    const see = (c: string): void => {
      const k = mhKey(CID.parse(c))
      sent.set(k, (sent.get(k) ?? 0) + 1)
    }
    async function * parts (): AsyncIterable<FilePart> {
      see(first.value.cid)
      yield { name: first.value.cid, bytes: first.value.bytes }
      while (true) {
        const n = await it.next()
        if (n.done === true) return
        see(n.value.cid)
        yield { name: n.value.cid, bytes: n.value.bytes }
      }
    }
    const body = new MultipartBody()
    this.countTrigger()
    let acknowledged = 0
    for await (const line of this.http.ndjson<BlockPutLine>({ path: 'block/put', query, body: body.encode(parts()), contentType: body.contentType, signal })) {
      acknowledged++
      const k = mhKey(CID.parse(cidOf(line.Key)))
      const n = sent.get(k)
      if (n == null) this.log.warn({ key: cidOf(line.Key) }, 'block/put answered a CID that matches no block sent')
      else if (n === 1) sent.delete(k)
      else sent.set(k, n - 1)
    }
    if (sent.size > 0) throw new IpfsError(`block/put: IPFS acknowledged ${acknowledged} blocks, ${sent.size} were not stored`)
  }

  async blockPut (block: IpfsBlock, opts: CallOptions = {}): Promise<void> {
    await this.blockStream((async function * () { yield block })(), opts)
  }

  async blockGet (cid: string, opts: CallOptions = {}): Promise<Uint8Array> {
    return await withTimeout(this.cfg.ipfs_request_timeout, this.signal(opts), async signal =>
      await this.http.bytes({ path: 'block/get', query: { arg: cid }, signal }))
  }

  async blockGetLocal (cid: string, opts: CallOptions = {}): Promise<Uint8Array | undefined> {
    return await withTimeout(this.cfg.ipfs_request_timeout, this.signal(opts), async signal => {
      try {
        return await this.http.bytes({ path: 'block/get', query: { arg: cid, offline: 'true' }, signal })
      } catch (err) {
        if (err instanceof KuboApiError && err.notFound) return undefined
        throw err
      }
    })
  }

  async blockStat (cid: string, opts: CallOptions = {}): Promise<number | undefined> {
    return await withTimeout(this.cfg.ipfs_request_timeout, this.signal(opts), async signal => {
      try {
        // offline: a block this node lacks must not be fetched from the network to be sized
        const r = await this.http.json<{ Key: string, Size: number }>({ path: 'block/stat', query: { arg: cid, offline: 'true' }, signal })
        return r.Size
      } catch (err) {
        if (err instanceof KuboApiError && err.notFound) return undefined
        throw err
      }
    })
  }

  async repoStat (opts: CallOptions = {}): Promise<IPFSRepoStat> {
    const r = await withTimeout(this.cfg.ipfs_request_timeout, this.signal(opts), async signal =>
      await this.http.json<{ RepoSize: number, StorageMax: number }>({ path: 'repo/stat', query: { 'size-only': 'true' }, signal }))
    return { RepoSize: Number(r.RepoSize ?? 0), StorageMax: Number(r.StorageMax ?? 0) }
  }

  async * repoGC (opts: CallOptions = {}): AsyncIterable<IPFSRepoGC> {
    const signal = timeoutSignal(this.cfg.repogc_timeout, this.signal(opts))
    try {
      for await (const line of this.http.ndjson<RepoGCLine>({ path: 'repo/gc', query: { 'stream-errors': 'true' }, signal })) {
        const out: IPFSRepoGC = { key: line.Key == null ? '' : cidOf(line.Key) }
        if (line.Error != null && line.Error !== '') out.error = line.Error
        yield out
      }
    } finally {
      this.countTrigger()
    }
  }

  async resolve (path: string, opts: CallOptions = {}): Promise<string> {
    const p = path.startsWith('/') ? path : `/ipfs/${path}`
    const m = /^\/(ipfs|ipld)\/([^/]+)\/?$/.exec(p)
    if (m != null) {
      try {
        return CID.parse(m[2]).toString()
      } catch (err) {
        throw new IpfsError(`invalid path "${p}": ${(err as Error).message}`)
      }
    }
    const r = await withTimeout(this.cfg.ipfs_request_timeout, this.signal(opts), async signal =>
      await this.http.json<{ Path: string }>({ path: 'resolve', query: { arg: p }, signal }))
    const out = /^\/ipfs\/([^/]+)/.exec(r.Path ?? '')
    if (out == null) throw new IpfsError(`resolved path is mutable or invalid: ${r.Path}`)
    return CID.parse(out[1]).toString()
  }

  async swarmPeers (opts: CallOptions = {}): Promise<string[]> {
    const r = await withTimeout(this.cfg.ipfs_request_timeout, this.signal(opts), async signal =>
      await this.http.json<{ Peers: Array<{ Peer: string }> | null }>({ path: 'swarm/peers', signal }))
    return (r.Peers ?? []).map(p => p.Peer)
  }

  /** Connects kubo to the IPFS daemons of the other cluster peers (best effort). */
  async connectSwarms (opts: CallOptions = {}): Promise<void> {
    if (this.init.peerIpfsAddresses == null) return
    await withTimeout(this.cfg.ipfs_request_timeout, this.signal(opts), async signal => {
      const addrs = await this.init.peerIpfsAddresses?.(signal) ?? []
      for (const addr of addrs) {
        try {
          await this.http.json({ path: 'swarm/connect', query: { arg: addr }, signal })
          this.log.debug({ addr }, 'ipfs successfully connected')
        } catch (err) {
          this.log.debug({ addr, err: (err as Error).message }, 'ipfs swarm connect failed')
        }
      }
    })
  }

  private scheduleSwarmConnect (): void {
    if (this.cfg.connect_swarms_delay <= 0 || this.init.peerIpfsAddresses == null) return
    const timer = setTimeout(() => {
      this.connectSwarms().catch(err => this.log.warn({ err: (err as Error).message }, 'swarm connect round failed'))
    }, this.cfg.connect_swarms_delay)
    timer.unref()
    this.lifetime.signal.addEventListener('abort', () => clearTimeout(timer), { once: true })
  }

  private countTrigger (): void {
    const n = this.cfg.informer_trigger_interval
    if (n <= 0 || this.init.triggerInformers == null) return
    if (++this.triggerCount >= n) {
      this.triggerCount = 0
      this.init.triggerInformers()
    }
  }
}

function pinQuery (pin: Pin): Array<[string, string]> {
  const q: Array<[string, string]> = [['arg', pin.cid]]
  if (pin.max_depth < 0) q.push(['recursive', 'true'])
  else if (pin.max_depth === 0) q.push(['recursive', 'false'])
  else q.push(['recursive', 'true'], ['max-depth', String(pin.max_depth)])
  q.push(['progress', 'true'])
  return q
}

/** kubo's Type: "recursive", "direct", "indirect" or "indirect through <cid>". */
function pinTypeOf (t: string): IpfsPinType {
  if (t === 'direct') return 'direct'
  if (t === 'recursive') return 'recursive'
  return 'indirect'
}

/** kubo prints CIDs as strings or as {"/": cid} depending on the command. */
function cidOf (v: string | { '/': string }): string {
  return typeof v === 'string' ? v : v['/']
}

function mhKey (c: CID): string {
  return base16.encode(c.multihash.bytes)
}
