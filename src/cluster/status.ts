// Status and recover across the peerset (upstream Cluster.Status/StatusAll/Recover/RecoverAll):
// ask each peer's tracker, compute `remote` and `unpinned` entries locally, and merge the
// per-peer PinInfos into GlobalPinInfos.
import type { GlobalPinInfo, Pin, PinInfo, TrackerStatusName } from '../api/types.js'
import { NotFoundError, errorMessage } from '../api/errors.js'
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
    let pin: Pin | undefined
    try {
      pin = await this.init.consensus.get(cid, opts)
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err
    }
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

  /** Streams from each peer merged per CID; a peer whose stream fails gets cluster_error entries. */
  private async * merge (local: boolean, opts: Signalled, stream: (peer: string, signal?: AbortSignal) => AsyncIterable<PinInfo>): AsyncIterable<GlobalPinInfo> {
    if (local) {
      for await (const info of stream(this.init.self, opts.signal)) yield toGlobalPinInfo([info])
      return
    }
    const byCid = new Map<string, GlobalPinInfo>()
    const failed = new Map<string, string>()
    await Promise.all(this.init.peerset().map(async peer => {
      try {
        for await (const info of stream(peer, opts.signal)) {
          let gpi = byCid.get(info.cid)
          if (gpi == null) {
            gpi = toGlobalPinInfo([info])
            byCid.set(info.cid, gpi)
          } else {
            gpi.peer_map[info.peer] = shortOf(info)
            if (info.peer === this.init.self || gpi.name === '') {
              gpi.name = info.name
              gpi.allocations = info.allocations
              gpi.metadata = info.metadata
              gpi.origins = info.origins
              gpi.created = info.created
            }
          }
        }
      } catch (err) {
        failed.set(peer, errorMessage(err))
      }
    }))
    for (const gpi of byCid.values()) {
      for (const [peer, msg] of failed) gpi.peer_map[peer] = this.localEntry(peer, 'cluster_error', msg)
      yield gpi
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
