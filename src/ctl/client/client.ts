// REST API client of cluster-ctl: every call upstream's client (api/rest/client) makes for the
// CLI. Targets are tried in order and the next one is used only when no HTTP answer could be
// obtained (upstream's Failover strategy); HTTP errors are returned at once.
import type { IncomingMessage } from 'node:http'
import type {
  AddedOutput, Alert, ConnectGraph, GlobalPinInfo, GlobalRepoGC, ID, Metric, Pin, PinOptions, Version
} from '../../api/types.js'
import { addParamsToQuery, pinOptionsToQuery } from '../../api/params.js'
import type { AddParams } from '../../api/params.js'
import { ApiError, ClientError, isConnectionError } from './errors.js'
import { parseApiMultiaddr, resolveTargets } from './target.js'
import type { Target } from './target.js'
import { sendRequest } from './transport.js'
import { incomingDownload, rawDownload, rawDownloadable } from './download.js'
import type { Download } from './download.js'
import type { RequestSpec, TransportOptions } from './transport.js'
import { decodeResponse, decodeStream } from './response.js'
import { FILE_READ_BYTES, encodeMultipart, newBoundary, prepareSources } from './multipart.js'
import { ReadBuffers } from './read-buffers.js'
import type { AddSource } from './multipart.js'
import { escapePath, toIpfsPath } from './ipfspath.js'

export interface ClientConfig {
  /** comma-separated API multiaddresses */
  hosts: string
  ssl?: boolean
  noVerifyCert?: boolean
  username?: string
  password?: string
  /** request timeout in ms (0 = none) */
  timeoutMs?: number
  debug?: (msg: string) => void
  /** cluster secret (32 bytes): the private network of libp2p API targets */
  secret?: Uint8Array
}

/** Per-protocol bandwidth as GET /health/bandwidth returns it. */
export type BandwidthByProtocol = Record<string, { total_in: number, total_out: number, rate_in: number, rate_out: number }>

export interface CallOptions {
  signal?: AbortSignal
}

export interface AddOptions extends CallOptions {
  /** file-content bytes sent so far are reported here (progress bars) */
  onData?: (n: number) => void
  /** sources already validated with prepareSources (otherwise the paths are validated) */
  sources?: AddSource[]
}

const PIN_TYPES = ['pin', 'meta-pin', 'clusterdag-pin', 'shard-pin'] as const

export class Client {
  readonly targets: Target[]
  private readonly transport: TransportOptions

  private constructor (targets: Target[], transport: TransportOptions) {
    this.targets = targets
    this.transport = transport
  }

  /** Parses and resolves the --host list. Errors are ClientError (the CLI exits 1). */
  static async create (cfg: ClientConfig, signal?: AbortSignal): Promise<Client> {
    const ssl = cfg.ssl === true
    const targets: Target[] = []
    for (const text of cfg.hosts.split(',')) {
      const addr = parseApiMultiaddr(text)
      targets.push(...await resolveTargets(addr, ssl, signal))
    }
    if (targets.length === 0) throw new ClientError('no API address given')
    return new Client(targets, {
      ssl,
      noVerifyCert: cfg.noVerifyCert === true,
      username: cfg.username,
      password: cfg.password,
      timeoutMs: cfg.timeoutMs ?? 0,
      debug: cfg.debug,
      secret: cfg.secret
    })
  }

  /**
   * Runs `attempt` on each target in turn until one gives an HTTP answer: a connection
   * failure (ApiError code 0) moves to the next, any other error is thrown at once.
   */
  private async failover<T> (attempt: (t: Target) => Promise<T>): Promise<T> {
    let last: unknown
    for (const t of this.targets) {
      try {
        return await attempt(t)
      } catch (err) {
        if (!isConnectionError(err)) throw err
        this.transport.debug?.(`request failed, trying next target: ${(err as Error).message}`)
        last = err
      }
    }
    throw last
  }

  /** Sends to the first target that answers; `spec` is a factory so bodies can be re-made. */
  private async request (spec: () => RequestSpec): Promise<IncomingMessage> {
    return await this.failover(async t => await sendRequest(t, this.transport, spec()))
  }

  /**
   * A large download (ecget), from the first target that answers: its body is read into one
   * reused buffer over plain HTTP (see download.ts).
   */
  async download (spec: () => RequestSpec): Promise<Download> {
    return await this.failover(async t => rawDownloadable(t, this.transport)
      ? await rawDownload(t, this.transport, spec())
      : incomingDownload(await sendRequest(t, this.transport, spec())))
  }

  /** A JSON call: the decoded body, or undefined for 202/204 answers. */
  async call<T> (method: string, path: string, o: CallOptions = {}): Promise<T | undefined> {
    const res = await this.request(() => ({ method, path, signal: o.signal }))
    return await decodeResponse<T>(res)
  }

  /** A streaming (NDJSON) call; the X-Stream-Error trailer is checked at the end. */
  async * stream<T> (method: string, path: string, o: CallOptions = {}): AsyncGenerator<T> {
    const res = await this.request(() => ({ method, path, signal: o.signal }))
    yield * decodeStream<T>(res)
  }

  private async callValue<T> (method: string, path: string, o: CallOptions = {}): Promise<T> {
    const v = await this.call<T>(method, path, o)
    if (v === undefined) throw new ApiError(204, 'empty response')
    return v
  }

  async id (o?: CallOptions): Promise<ID> {
    return await this.callValue<ID>('GET', '/id', o)
  }

  peers (o?: CallOptions): AsyncGenerator<ID> {
    return this.stream<ID>('GET', '/peers', o)
  }

  async peerAdd (peerId: string, o: CallOptions = {}): Promise<ID> {
    const body = JSON.stringify({ peer_id: peerId }) + '\n'
    const res = await this.request(() => ({
      method: 'POST',
      path: '/peers',
      headers: { 'Content-Type': 'application/json' },
      body: (async function * () { yield Buffer.from(body) })(),
      signal: o.signal
    }))
    const v = await decodeResponse<ID>(res)
    if (v === undefined) throw new ApiError(204, 'empty response')
    return v
  }

  async peerRm (peerId: string, o?: CallOptions): Promise<void> {
    await this.call('DELETE', `/peers/${encodeURIComponent(peerId)}`, o)
  }

  async pin (cid: string, opts: PinOptions, o?: CallOptions): Promise<Pin> {
    return await this.callValue<Pin>('POST', `/pins/${encodeURIComponent(cid)}?${pinOptionsToQuery(opts).toString()}`, o)
  }

  async unpin (cid: string, o?: CallOptions): Promise<Pin> {
    return await this.callValue<Pin>('DELETE', `/pins/${encodeURIComponent(cid)}`, o)
  }

  /** Pins by IPFS path (a bare CID becomes /ipfs/<cid>): the route cluster-ctl always uses. */
  async pinPath (p: string, opts: PinOptions, o?: CallOptions): Promise<Pin> {
    const ipfsPath = toIpfsPath(p)
    return await this.callValue<Pin>('POST', `/pins${escapePath(ipfsPath)}?${pinOptionsToQuery(opts).toString()}`, o)
  }

  async unpinPath (p: string, o?: CallOptions): Promise<Pin> {
    const ipfsPath = toIpfsPath(p)
    return await this.callValue<Pin>('DELETE', `/pins${escapePath(ipfsPath)}`, o)
  }

  /** The pinset, filtered by pin types (names of api PinTypes; empty or "all" = every type). */
  allocations (types: string[] = ['all'], o?: CallOptions): AsyncGenerator<Pin> {
    const all = types.includes('all') || PIN_TYPES.every(t => types.includes(t))
    const filter = all ? 'all' : PIN_TYPES.filter(t => types.includes(t)).join(',')
    return this.stream<Pin>('GET', `/allocations?filter=${encodeURIComponent(filter)}`, o)
  }

  async allocation (cid: string, o?: CallOptions): Promise<Pin> {
    return await this.callValue<Pin>('GET', `/allocations/${encodeURIComponent(cid)}`, o)
  }

  async status (cid: string, local: boolean, o?: CallOptions): Promise<GlobalPinInfo> {
    return await this.callValue<GlobalPinInfo>('GET', `/pins/${encodeURIComponent(cid)}?local=${String(local)}`, o)
  }

  statusCids (cids: string[], local: boolean, o?: CallOptions): AsyncGenerator<GlobalPinInfo> {
    return this.stream<GlobalPinInfo>('GET', `/pins?local=${String(local)}&filter=&cids=${cids.map(encodeURIComponent).join(',')}`, o)
  }

  /** `filter` is a comma list of tracker status names ("" = all). */
  statusAll (filter: string, local: boolean, o?: CallOptions): AsyncGenerator<GlobalPinInfo> {
    return this.stream<GlobalPinInfo>('GET', `/pins?local=${String(local)}&filter=${encodeURIComponent(filter)}&cids=`, o)
  }

  async recover (cid: string, local: boolean, o?: CallOptions): Promise<GlobalPinInfo> {
    return await this.callValue<GlobalPinInfo>('POST', `/pins/${encodeURIComponent(cid)}/recover?local=${String(local)}`, o)
  }

  recoverAll (local: boolean, o?: CallOptions): AsyncGenerator<GlobalPinInfo> {
    return this.stream<GlobalPinInfo>('POST', `/pins/recover?local=${String(local)}`, o)
  }

  async alerts (o?: CallOptions): Promise<Alert[]> {
    return (await this.call<Alert[] | null>('GET', '/health/alerts', o)) ?? []
  }

  async bandwidthByProtocol (o?: CallOptions): Promise<BandwidthByProtocol> {
    return (await this.call<BandwidthByProtocol | null>('GET', '/health/bandwidth', o)) ?? {}
  }

  async version (o?: CallOptions): Promise<Version> {
    return await this.callValue<Version>('GET', '/version', o)
  }

  async connectGraph (o?: CallOptions): Promise<ConnectGraph> {
    return await this.callValue<ConnectGraph>('GET', '/health/graph', o)
  }

  async metrics (name: string, o?: CallOptions): Promise<Metric[]> {
    if (name === '') throw new ClientError('bad metric name')
    return (await this.call<Metric[] | null>('GET', `/monitor/metrics/${encodeURIComponent(name)}`, o)) ?? []
  }

  async metricNames (o?: CallOptions): Promise<string[]> {
    return (await this.call<string[] | null>('GET', '/monitor/metrics', o)) ?? []
  }

  async repoGC (local: boolean, o?: CallOptions): Promise<GlobalRepoGC> {
    return await this.callValue<GlobalRepoGC>('POST', `/ipfs/gc?local=${String(local)}`, o)
  }

  async health (o?: CallOptions): Promise<void> {
    await this.call('GET', '/health', o)
  }

  /**
   * Adds local paths and http(s) URLs: a multipart body streamed from disk, answered by a
   * stream of AddedOutput. Always sent with stream-channels=true, like upstream.
   */
  async * add (paths: string[], params: AddParams, o: AddOptions = {}): AsyncGenerator<AddedOutput> {
    const sources = o.sources ?? await prepareSources(paths, { recursive: params.recursive, nocopy: params.nocopy })
    const query = addParamsToQuery({ ...params, stream_channels: true }).toString()
    const res = await this.request(() => {
      const boundary = newBoundary()
      const buffers = new ReadBuffers(FILE_READ_BYTES)
      return {
        method: 'POST',
        path: `/add?${query}`,
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
        body: encodeMultipart(sources, boundary, { hidden: params.hidden, onData: o.onData, signal: o.signal, buffers }),
        onWritten: chunk => { buffers.release(chunk) },
        signal: o.signal
      }
    })
    yield * decodeStream<AddedOutput>(res)
  }
}
