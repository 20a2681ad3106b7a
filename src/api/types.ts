// Wire types of the cluster, exactly as upstream IPFS Cluster (v1.1.x) puts them on the wire
// (REST API JSON, RPC, state export). Objects in the process use the same shapes so that no
// translation layer can drift from the wire format: field names are upstream's snake_case names,
// CIDs and peer IDs are strings, times are RFC3339 strings (the zero time is ZERO_TIME).

export const VERSION = '1.1.6'
export const RPC_PROTOCOL = '/ipfscluster/1.0/rpc'
export const ZERO_TIME = '0001-01-01T00:00:00Z'

/** Tracker statuses, as bit values (filters OR them together). */
export const TrackerStatus = {
  undefined: 0,
  cluster_error: 2,
  pin_error: 4,
  unpin_error: 8,
  pinned: 16,
  pinning: 32,
  unpinning: 64,
  unpinned: 128,
  remote: 256,
  pin_queued: 512,
  unpin_queued: 1024,
  sharded: 2048,
  unexpectedly_unpinned: 4096
} as const
export type TrackerStatusName = keyof typeof TrackerStatus
/** Composite names accepted only in filters. */
export const TrackerStatusFilters: Record<string, number> = {
  ...TrackerStatus,
  error: 2 | 4 | 8,
  queued: 512 | 1024
}

export const PinTypes = {
  'bad-type': 1,
  pin: 2,
  'meta-pin': 4,
  'clusterdag-pin': 8,
  'shard-pin': 16
} as const
export type PinType = keyof typeof PinTypes
export const ALL_PIN_TYPES = 30

export type PinMode = 'recursive' | 'direct'

/** Erasure-coding facts carried by the pins of an EC file (absent on ordinary pins). */
export interface ErasureInfo {
  /** the manifest (clusterDAG) CID of the file this pin belongs to */
  manifest: string
  data_shards: number
  parity_shards: number
  /** shard pins only: which stripe and which shard index inside the stripe */
  stripe?: number
  shard?: number
}

export interface PinOptions {
  replication_factor_min: number
  replication_factor_max: number
  name: string
  mode: PinMode
  shard_size: number
  user_allocations: string[] | null
  expire_at: string
  metadata: Record<string, string> | null
  pin_update: string | null
  origins: string[] | null
}

export interface Pin extends PinOptions {
  cid: string
  type: PinType
  allocations: string[] | null
  max_depth: number
  reference: string | null
  timestamp: string
  erasure?: ErasureInfo
}

export interface PinInfoShort {
  peername: string
  ipfs_peer_id?: string
  ipfs_peer_addresses?: string[]
  status: TrackerStatusName
  timestamp: string
  error: string
  attempt_count: number
  priority_pin: boolean
}

/** Status of one CID on one peer (RPC only; REST wraps it into a GlobalPinInfo). */
export interface PinInfo extends PinInfoShort {
  cid: string
  name: string
  peer: string
  allocations: string[] | null
  origins: string[] | null
  created: string
  metadata: Record<string, string> | null
}

export interface GlobalPinInfo {
  cid: string
  name: string
  allocations: string[] | null
  origins: string[] | null
  created: string
  metadata: Record<string, string> | null
  peer_map: Record<string, PinInfoShort>
  /** erasure-coded files (meta pins) only: shard health per stripe; old clients ignore it */
  erasure?: ErasureStatus
}

/** Why a shard counts as lost (EC rule 3): from cluster state, or a failed or corrupt fetch. */
export type ShardLossReason = 'down' | 'unpinned' | 'unreachable' | 'missing' | 'failed' | 'corrupt'

/** Which shard of an EC file: the fields every per-shard report shares. */
export interface ShardSlotInfo {
  stripe: number
  kind: 'data' | 'parity'
  /** index within its kind */
  index: number
  /** position in the stripe (parity j at d+j) */
  position: number
  /** the shard pin's CID */
  cid: string
}

export interface LostShardInfo extends ShardSlotInfo {
  /** the holder it was lost on ('' when the pin had none) */
  holder: string
  reason: ShardLossReason
}

/** Health of one stripe of an EC file, from cluster state. */
export interface StripeStatus {
  stripe: number
  /** shards stored for this stripe (data + parity; a short last stripe has fewer data shards) */
  shards: number
  healthy: number
  lost: LostShardInfo[]
  /** how many more shard losses the stripe survives (negative: unrecoverable) */
  tolerates: number
}

/** The `erasure` field of an EC file's GlobalPinInfo. */
export interface ErasureStatus {
  manifest: string
  data_shards: number
  parity_shards: number
  file_size: number
  stripes: StripeStatus[]
  /** holders of the unixfs tree (non-leaf blocks) and those of them that are lost */
  tree: { holders: string[], lost: string[] } | null
  /** stripes that lost more than parity_shards shards */
  unrecoverable: number[]
}

/** One line of POST /ecrecovery: what was lost and rebuilt for one EC file. */
export interface EcRecoveryReport {
  /** the content root (meta pin) */
  cid: string
  name: string
  lost: LostShardInfo[]
  /** shard pins rebuilt and re-placed: the shard pin CID and its new holder */
  rebuilt: Array<{ stripe: number, position: number, cid: string, holder: string }>
  /** peers that received rebuilt shards (or tree copies) */
  new_holders: string[]
  /** holders whose copy of the unixfs tree (directory and file nodes) was lost */
  tree_lost?: string[]
  /** tree copies re-replicated to new holders */
  tree_copies?: string[]
  /** what could not be repaired, one message each */
  errors?: string[]
  /**
   * With the placement check (ecrecovery --check, the automatic sweep): shards found sharing a
   * peer, or a tag group that a live peer in a less used group could relieve, with another
   * shard of their stripe. Absent when placement was not checked.
   */
  misplaced?: MisplacedShardInfo[]
  /** misplaced shards moved to a peer holding no shard of their stripe (with the check) */
  moved?: MovedShardInfo[]
}

/** A shard whose holder (or tag group) also holds other shards of its stripe. */
export interface MisplacedShardInfo extends ShardSlotInfo {
  holder: string
  /** shared_peer: its holder holds another shard of the stripe; shared_group: its tag group does */
  reason: 'shared_peer' | 'shared_group'
  /** positions of the stripe's shards on the same peer (shared_peer) or in the same group */
  with: number[]
  /** the tag group (shared_group) */
  group?: string
}

/** A misplaced shard copied to a new holder, whose shard pin now points there. */
export interface MovedShardInfo {
  stripe: number
  position: number
  cid: string
  from: string
  to: string
}

export interface IPFSID {
  id?: string
  addresses: string[] | null
  error: string
}

export interface ID {
  id: string
  addresses: string[]
  cluster_peers: string[]
  cluster_peers_addresses: string[]
  version: string
  commit: string
  rpc_protocol_version: string
  error: string
  ipfs: IPFSID
  peername: string
}

export interface Version {
  version: string
}

export interface AddedOutput {
  name: string
  cid: string
  bytes?: number
  size?: number
  allocations?: string[]
}

export interface Metric {
  name: string
  peer: string
  value: string
  /** Unix nanoseconds */
  expire: number
  valid: boolean
  weight: number
  partitionable: boolean
  /** Unix nanoseconds, set by the receiver */
  received_at: number
}

export interface Alert extends Metric {
  triggered_at: string
}

export interface IPFSRepoGC {
  key: string
  error?: string
}

export interface RepoGC {
  peer: string
  peername: string
  keys: IPFSRepoGC[] | null
  error?: string
}

export interface GlobalRepoGC {
  peer_map: Record<string, RepoGC>
}

export interface ConnectGraph {
  cluster_id: string
  id_to_peername: Record<string, string>
  ipfs_links: Record<string, string[]>
  cluster_links: Record<string, string[]>
  cluster_trust_links: Record<string, boolean>
  cluster_to_ipfs: Record<string, string>
}

/** Traffic of one libp2p protocol (GET /health/bandwidth values). */
export interface Bandwidth {
  total_in: number
  total_out: number
  rate_in: number
  rate_out: number
}

export type BandwidthByProtocol = Record<string, Bandwidth>

export interface APIErrorBody {
  code: number
  message: string
}

export interface IPFSRepoStat {
  RepoSize: number
  StorageMax: number
}
