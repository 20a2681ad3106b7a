// Status and recover across the peerset (upstream Cluster.Status/StatusAll/Recover/RecoverAll):
// ask each peer's tracker, compute `remote` and `unpinned` entries locally, and merge the
// per-peer PinInfos into GlobalPinInfos.
import type { GlobalPinInfo, PinInfo, TrackerStatusName } from '../api/types.js'
import { errorMessage } from '../api/errors.js'
import { globalPinInfoOf, isPinEverywhere, shortOf, toGlobalPinInfo } from '../api/pin.js'
import type { Consensus, RemotePeers, Signalled, Tracker } from './components.js'
import { withTimeout } from '../common/signal.js'

const REMOTE_CALL_TIMEOUT = 15_000

export interface PeerStatusInit {
  self: string
  peerset: () => string[]
  tracker: Tracker
  remote: RemotePeers
  consensus: Consensus
  peername: (peer: string) => string
}

export class PeerStatus {
  private readonly init: PeerStatusInit

  constructor (init: PeerStatusInit) {
    this.init = init
  }

  async status (cid: string, local: boolean, opts: Signalled): Promise<GlobalPinInfo> {
    if (local) return toGlobalPinInfo([await this.init.tracker.status(cid, opts)])
    return await this.perPeer(cid, opts, async (peer, signal) =>
      peer === this.init.self ? await this.init.tracker.status(cid, { signal }) : await this.init.remote.status(peer, cid, { signal }))
  }

  async recover (cid: string, local: boolean, opts: Signalled): Promise<GlobalPinInfo> {
    if (local) return toGlobalPinInfo([await this.init.tracker.recover(cid, opts)])
    return await this.perPeer(cid, opts, async (peer, signal) =>
      peer === this.init.self ? await this.init.tracker.recover(cid, { signal }) : await this.init.remote.recover(peer, cid, { signal }))
  }

  /** Calls every peer that should hold the CID; the others are `remote`, or `unpinned` if no pin exists. */
  private async perPeer (cid: string, opts: Signalled, call: (peer: string, signal: AbortSignal) => Promise<PinInfo>): Promise<GlobalPinInfo> {
    const pin = await this.init.consensus.find(cid, opts)
    const gpi = globalPinInfoOf(pin, cid)
    const peers = this.init.peerset()
    await Promise.all(peers.map(async peer => {
      if (pin == null) {
        gpi.peer_map[peer] = this.localEntry(peer, 'unpinned')
        return
      }
      if (!isPinEverywhere(pin) && !(pin.allocations ?? []).includes(peer)) {
        gpi.peer_map[peer] = this.localEntry(peer, 'remote')
        return
      }
      try {
        gpi.peer_map[peer] = shortOf(await call(peer, withTimeout(REMOTE_CALL_TIMEOUT, opts.signal)))
      } catch (err) {
        gpi.peer_map[peer] = this.localEntry(peer, 'cluster_error', errorMessage(err))
      }
    }))
    return gpi
  }

  async * statusAll (filter: number, local: boolean, opts: Signalled): AsyncIterable<GlobalPinInfo> {
    yield * this.merge(local, opts, (peer, signal) =>
      peer === this.init.self ? this.init.tracker.statusAll(filter, { signal }) : this.init.remote.statusAll(peer, filter, { signal }))
  }

  async * recoverAll (local: boolean, opts: Signalled): AsyncIterable<GlobalPinInfo> {
    yield * this.merge(local, opts, (peer, signal) =>
      peer === this.init.self ? this.init.tracker.recoverAll({ signal }) : this.init.remote.recoverAll(peer, { signal }))
  }

  /**
   * Streams from each peer merged per CID, without holding the pinset: every tracker yields
   * its entries in CID order (the order of the state in the datastore), so the streams are
   * merged like sorted lists, with MERGE_READ_AHEAD entries read ahead per peer. A peer whose
   * stream fails gets cluster_error entries from then on.
   */
  private async * merge (local: boolean, opts: Signalled, stream: (peer: string, signal?: AbortSignal) => AsyncIterable<PinInfo>): AsyncIterable<GlobalPinInfo> {
    if (local) {
      for await (const info of stream(this.init.self, opts.signal)) yield toGlobalPinInfo([info])
      return
    }
    const stop = new AbortController()
    const signal = opts.signal == null ? stop.signal : AbortSignal.any([opts.signal, stop.signal])
    const readers = this.init.peerset().map(peer => new ReadAhead(peer, stream(peer, signal)))
    const failed = new Map<string, string>()
    try {
      while (true) {
        let min: string | undefined
        for (const r of readers) {
          const head = await r.peek()
          if (head === undefined) {
            if (r.error !== undefined && !failed.has(r.peer)) failed.set(r.peer, errorMessage(r.error))
            continue
          }
          if (min === undefined || head.cid < min) min = head.cid
        }
        if (min === undefined) return
        const infos: PinInfo[] = []
        for (const r of readers) {
          // a tracker of an older peer may yield some CIDs out of order: all its entries of
          // this CID that come next are taken
          while ((await r.peek())?.cid === min) infos.push(r.take()!)
        }
        const own = infos.find(i => i.peer === this.init.self) ?? infos.find(i => i.name !== '') ?? infos[0]
        const gpi = toGlobalPinInfo([own])
        for (const info of infos) gpi.peer_map[info.peer] = shortOf(info)
        for (const [peer, msg] of failed) gpi.peer_map[peer] = this.localEntry(peer, 'cluster_error', msg)
        yield gpi
      }
    } finally {
      stop.abort()
      await Promise.allSettled(readers.map(async r => { await r.close() }))
    }
  }

  private localEntry (peer: string, status: TrackerStatusName, error = ''): GlobalPinInfo['peer_map'][string] {
    return {
      peername: this.init.peername(peer),
      status,
      timestamp: new Date().toISOString(),
      error,
      attempt_count: 0,
      priority_pin: false
    }
  }
}

/** Entries read ahead of one peer's status stream. */
const MERGE_READ_AHEAD = 1024

class ReadAhead {
  readonly peer: string
  error?: unknown
  private readonly it: AsyncIterator<PinInfo>
  private readonly buffer: PinInfo[] = []
  private pos = 0
  private done = false
  private filling?: Promise<void>

  constructor (peer: string, source: AsyncIterable<PinInfo>) {
    this.peer = peer
    this.it = source[Symbol.asyncIterator]()
  }

  /** The next entry (undefined at the end or after a failure), read ahead in the background. */
  async peek (): Promise<PinInfo | undefined> {
    while (this.pos >= this.buffer.length && !this.done) {
      this.fill()
      await this.filling
    }
    if (this.buffer.length - this.pos < MERGE_READ_AHEAD / 2) this.fill()
    return this.pos < this.buffer.length ? this.buffer[this.pos] : undefined
  }

  take (): PinInfo | undefined {
    const info = this.buffer[this.pos++]
    if (this.pos > MERGE_READ_AHEAD) {
      this.buffer.splice(0, this.pos)
      this.pos = 0
    }
    return info
  }

  private fill (): void {
    if (this.filling !== undefined || this.done) return
    let filling: Promise<void> | undefined
    filling = (async () => {
      await Promise.resolve()
      try {
        while (this.buffer.length - this.pos < MERGE_READ_AHEAD) {
          const r = await this.it.next()
          if (r.done === true) {
            this.done = true
            return
          }
          this.buffer.push(r.value)
        }
      } catch (err) {
        this.error = err
        this.done = true
      } finally {
        if (this.filling === filling) this.filling = undefined
      }
    })()
    this.filling = filling
  }

  async close (): Promise<void> {
    await this.filling
    if (!this.done) await this.it.return?.()
  }
}
