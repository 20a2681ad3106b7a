// Peer addresses (upstream pstoremgr): the peerstore file and peer_addresses are loaded at
// start, known peers are redialled while they are unreachable (so a restarted peer or a healed
// partition reconnects by itself), connected peers are asked which peers they know (peer
// exchange, paced by ExchangePacing), and the addresses are saved back on shutdown.
import { readFile, writeFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from 'pino'
import type { PeerInfo } from '@libp2p/interface'
import type { ClusterHost } from './host.js'
import type { ClusterConfig } from '../cluster/config.js'
import { errorMessage } from '../api/errors.js'
import { ExchangePacing } from './exchange-pacing.js'

const REDIAL_INTERVAL = 5_000
/** the longest wait between two peer exchanges while nothing changes (see ExchangePacing) */
const EXCHANGE_MAX_INTERVAL = 120_000

export class PeerManager {
  private readonly host: ClusterHost
  private readonly file: string
  private readonly cfg: ClusterConfig
  private readonly log: Logger
  private readonly onConnect: (peer: string) => Promise<void>
  private readonly exchange?: (peer: string) => Promise<string[]>
  private readonly known = new Map<string, Multiaddr[]>()
  /** peers and addresses added to `known` so far: whether an exchange taught anything */
  private learned = 0
  private readonly redialMs: number
  private readonly pacing: ExchangePacing
  private timer?: NodeJS.Timeout
  private readonly listener = (evt: CustomEvent<any>): void => {
    const peer = evt.detail.toString()
    this.pacing.changed(performance.now())
    this.onConnect(peer).catch(err => this.log.debug({ peer, err: errorMessage(err) }, 'on-connect handler failed'))
  }

  private readonly disconnected = (): void => { this.pacing.changed(performance.now()) }

  // mDNS (and any other discovery) only reports peers: upstream connects to them, so do we
  private readonly discovered = (evt: CustomEvent<PeerInfo>): void => {
    const info = evt.detail
    if (!this.rememberPeer(info)) return
    this.host.dial(info.id, { signal: AbortSignal.timeout(this.cfg.dial_peer_timeout) })
      .catch(err => this.log.debug({ peer: info.id.toString(), err: errorMessage(err) }, 'cannot dial a discovered peer'))
  }

  constructor (init: {
    host: ClusterHost
    dir: string
    config: ClusterConfig
    logger: Logger
    onConnect: (peer: string) => Promise<void>
    /** asks a connected peer for the addresses of the peers it knows (peer exchange) */
    exchange?: (peer: string) => Promise<string[]>
    /** how often unreachable known peers are dialled again (5 s), and the exchange's shortest wait */
    redialMs?: number
    /** the exchange's longest wait while nothing changes (120 s) */
    exchangeMaxMs?: number
  }) {
    this.host = init.host
    this.cfg = init.config
    this.file = isAbsolute(init.config.peerstore_file) ? init.config.peerstore_file : join(init.dir, init.config.peerstore_file)
    this.log = init.logger
    this.onConnect = init.onConnect
    this.exchange = init.exchange
    this.redialMs = init.redialMs ?? REDIAL_INTERVAL
    this.pacing = new ExchangePacing(this.redialMs, init.exchangeMaxMs ?? EXCHANGE_MAX_INTERVAL, performance.now())
  }

  async start (): Promise<void> {
    let lines: string[] = []
    try {
      lines = (await readFile(this.file, 'utf8')).split('\n')
    } catch { /* no peerstore yet */ }
    for (const line of [...this.cfg.peer_addresses, ...lines.map(l => l.trim()).filter(l => l.startsWith('/'))]) {
      try {
        await this.remember(multiaddr(line))
      } catch (err) {
        this.log.warn({ addr: line, err: errorMessage(err) }, 'ignoring bad peer address')
      }
    }
    this.host.addEventListener('peer:connect', this.listener)
    this.host.addEventListener('peer:disconnect', this.disconnected)
    this.host.addEventListener('peer:discovery', this.discovered)
    // libp2p reports a peer as discovered once, when it first enters the peer store, and mDNS
    // runs from the host's start: peers found before this listener existed (peers started
    // together find each other within milliseconds) are only in the peer store. Remembered
    // here, the redial below dials them with the rest.
    for (const peer of await this.host.peerStore.all()) {
      this.rememberPeer({ id: peer.id, multiaddrs: peer.addresses.map(a => a.multiaddr) })
    }
    void this.redial()
    this.timer = setInterval(() => { void this.redial() }, this.redialMs)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.host.removeEventListener('peer:connect', this.listener)
    this.host.removeEventListener('peer:disconnect', this.disconnected)
    this.host.removeEventListener('peer:discovery', this.discovered)
    await this.save()
  }

  /**
   * Remembers the addresses of a peer that discovery reported (known at once: the redial loop
   * sees it from now on); false for this peer itself.
   */
  private rememberPeer (info: PeerInfo): boolean {
    const peer = info.id.toString()
    if (peer === this.host.peerId.toString()) return false
    for (const ma of info.multiaddrs) {
      void this.remember(multiaddr(`${ma.toString().replace(/\/p2p\/[^/]+$/, '')}/p2p/${peer}`)).catch(() => {})
    }
    return true
  }

  private async remember (addr: Multiaddr): Promise<string> {
    const peer = addr.getComponents().findLast(c => c.name === 'p2p')?.value
    if (peer == null) throw new Error(`${addr.toString()} has no /p2p/ part`)
    if (peer === this.host.peerId.toString()) return peer
    const transport = multiaddr(addr.toString().replace(/\/p2p\/[^/]+$/, ''))
    const list = this.known.get(peer) ?? []
    if (!list.some(a => a.equals(transport))) {
      list.push(transport)
      this.learned++
    }
    this.known.set(peer, list)
    await this.host.peerStore.merge(peerIdFromString(peer), { multiaddrs: [transport] })
    return peer
  }

  /** Dials an address (upstream Join); returns the peer's ID once connected. */
  async join (addr: string): Promise<string> {
    const ma = multiaddr(addr)
    const peer = await this.remember(ma)
    if (peer === this.host.peerId.toString()) return peer
    await this.host.dial(ma, { signal: AbortSignal.timeout(Math.max(this.cfg.dial_peer_timeout, 10_000)) })
    return peer
  }

  /** Addresses of every connected peer (what this peer offers in a peer exchange). */
  async knownAddresses (): Promise<string[]> {
    const out: string[] = []
    for (const p of this.host.getPeers()) {
      try {
        const stored = await this.host.peerStore.get(p)
        for (const a of stored.addresses) out.push(`${a.multiaddr.toString()}/p2p/${p.toString()}`)
      } catch { /* no addresses */ }
    }
    return out
  }

  /** Whether addresses of the peer are known, after asking the connected peers if needed. */
  async findPeer (peer: string): Promise<boolean> {
    if (this.known.has(peer)) return true
    await this.exchangePeers()
    return this.known.has(peer)
  }

  /**
   * Learns the peers that connected peers know and remembers them, so every peer of the
   * cluster ends up connected to every other one even when all of them bootstrapped to one.
   */
  async exchangePeers (): Promise<void> {
    if (this.exchange == null) return
    await Promise.all(this.host.getPeers().map(async p => {
      try {
        for (const addr of await this.exchange!(p.toString())) await this.remember(multiaddr(addr))
      } catch { /* that peer did not answer: ask again later */ }
    }))
  }

  private async redial (): Promise<void> {
    if (this.pacing.due(performance.now())) {
      const before = this.learned
      await this.exchangePeers()
      this.pacing.done(performance.now(), this.learned !== before)
    }
    const connected = new Set(this.host.getPeers().map(p => p.toString()))
    await Promise.all([...this.known.keys()].filter(p => !connected.has(p)).map(async p => {
      try {
        await this.host.dial(peerIdFromString(p), { signal: AbortSignal.timeout(this.cfg.dial_peer_timeout) })
      } catch { /* still unreachable: try again later */ }
    }))
  }

  /** Writes every known and connected peer's addresses, one multiaddr with /p2p/ per line. */
  private async save (): Promise<void> {
    const lines = new Set<string>()
    const peers = new Set([...this.known.keys(), ...this.host.getPeers().map(p => p.toString())])
    for (const p of peers) {
      let addrs: Multiaddr[] = this.known.get(p) ?? []
      try {
        const stored = await this.host.peerStore.get(peerIdFromString(p))
        addrs = [...addrs, ...stored.addresses.map(a => a.multiaddr)]
      } catch { /* only what we knew */ }
      for (const a of addrs) lines.add(`${a.toString().replace(/\/p2p\/[^/]+$/, '')}/p2p/${p}`)
    }
    try {
      await writeFile(this.file, [...lines].map(l => l + '\n').join(''), { mode: 0o600 })
    } catch (err) {
      this.log.warn({ file: this.file, err: errorMessage(err) }, 'cannot save the peerstore')
    }
  }
}
