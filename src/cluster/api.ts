// The interface the HTTP faces (REST API, IPFS proxy, Pinning Service API) use to reach the
// cluster. It mirrors upstream's Cluster.* RPC methods that the REST API calls; the core
// implements it, and nothing in the faces knows how the cluster does its work.
import type { AddParams } from '../api/params.js'
import type {
  AddedOutput, Alert, BandwidthByProtocol, EcRecoveryReport, ConnectGraph, GlobalPinInfo, GlobalRepoGC, ID, Metric, Pin, PinOptions
} from '../api/types.js'
import type { AddEntry } from '../adder/types.js'
import type { EcGetStream } from './erasure/get.js'

export interface Opts {
  signal?: AbortSignal
}

export interface EcRecoveryOpts extends Opts {
  /** also audit and fix shard placement (ecrecovery --check) */
  check?: boolean
}

export interface ClusterAPI {
  /** This peer's ID. */
  id (opts?: Opts): Promise<ID>
  version (): string
  /** Every peer of the peerset; unreachable peers yield `{id, error}` entries. */
  peers (opts?: Opts): AsyncIterable<ID>
  /**
   * Adds a peer to the peerset and returns its ID (upstream Cluster.PeerAdd, REST POST /peers).
   */
  peerAdd (peer: string, opts?: Opts): Promise<ID>
  /** Removes a peer (upstream with CRDT: vacates its pins, then fails). */
  peerRemove (peer: string, opts?: Opts): Promise<void>

  /** Imports the entries, places the blocks and (unless no-pin) pins the root. */
  add (entries: AsyncIterable<AddEntry>, params: AddParams, opts?: Opts): AsyncIterable<AddedOutput>

  /** Pins of the pinset whose type matches the PinType bitmask. */
  pins (typeMask: number, opts?: Opts): AsyncIterable<Pin>
  /** One pin of the pinset; NotFoundError when absent. */
  pinGet (cid: string, opts?: Opts): Promise<Pin>
  pin (cid: string, options: PinOptions, opts?: Opts): Promise<Pin>
  /** Resolves an /ipfs|ipns|ipld path and pins the CID it ends at. */
  pinPath (path: string, options: PinOptions, opts?: Opts): Promise<Pin>
  /** Removes a pin; returns the pin as it was. */
  unpin (cid: string, opts?: Opts): Promise<Pin>
  unpinPath (path: string, opts?: Opts): Promise<Pin>

  /** Status of one CID on every peer (local: this peer only). */
  status (cid: string, local: boolean, opts?: Opts): Promise<GlobalPinInfo>
  /** Status of every pin matching the TrackerStatus bitmask (0 = all). */
  statusAll (filter: number, local: boolean, opts?: Opts): AsyncIterable<GlobalPinInfo>
  recover (cid: string, local: boolean, opts?: Opts): Promise<GlobalPinInfo>
  /** Re-queues failed pins; yields only the items that were re-queued. */
  recoverAll (local: boolean, opts?: Opts): AsyncIterable<GlobalPinInfo>

  repoGC (local: boolean, opts?: Opts): Promise<GlobalRepoGC>
  /**
   * Reads an erasure-coded file back (REST GET /ecget/{cid}). Fails before streaming when
   * cluster state says a stripe is unrecoverable; repairs lost shards as it reads.
   */
  ecGet (cid: string, opts?: Opts): Promise<EcGetStream>
  /** Repairs every EC file's lost shards (REST POST /ecrecovery): one report per file. */
  ecRecovery (opts?: EcRecoveryOpts): AsyncIterable<EcRecoveryReport>
  alerts (): Alert[]
  metricNames (): string[]
  latestMetrics (name: string): Metric[]
  connectGraph (opts?: Opts): Promise<ConnectGraph>
  /**
   * libp2p traffic by protocol (upstream Cluster.BandwidthByProtocol, REST GET
   * /health/bandwidth).
   */
  bandwidthByProtocol (opts?: Opts): Promise<BandwidthByProtocol>
}
