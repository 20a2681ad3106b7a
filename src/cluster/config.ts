// The `cluster` section of service.json (upstream config.go), plus the erasure-coding keys this
// port adds under the same section.
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { ConfigSection, JSONObject } from '../config/section.js'
import { field, isBool, isNumber, isString, stringsField, stringsJSON } from '../config/section.js'
import { durationField, durationJSON } from '../config/durations.js'

export interface ClusterConfig {
  peername: string
  /** hex of the 32-byte private-network key; empty = unprotected network */
  secret: string
  leave_on_shutdown: boolean
  listen_multiaddress: string[]
  announce_multiaddress: string[]
  no_announce_multiaddress: string[]
  enable_relay_hop: boolean
  connection_manager: { high_water: number, low_water: number, grace_period: number }
  dial_peer_timeout: number
  state_sync_interval: number
  pin_recover_interval: number
  replication_factor_min: number
  replication_factor_max: number
  monitor_ping_interval: number
  peer_watch_interval: number
  mdns_interval: number
  pin_only_on_trusted_peers: boolean
  pin_only_on_untrusted_peers: boolean
  disable_repinning: boolean
  follower_mode: boolean
  peerstore_file: string
  peer_addresses: string[]
  /** erasure coding: upper bound of --shard-size (bytes) */
  ec_max_shard_size: number
  /** erasure coding: how long a shard holder may be down before the daemon repairs by itself */
  ec_repair_grace_period: number
  /**
   * erasure coding: shards of a stripe that must be stored for an add to succeed; 0 = d+1,
   * raised to d+1 when lower, above d+p = all of them (add.md "Write quorum")
   */
  ec_write_quorum: number
}

export const clusterConfigSection: ConfigSection<ClusterConfig> = {
  path: ['cluster'],
  envPrefix: 'CLUSTER',
  defaults () {
    return {
      peername: hostname(),
      secret: randomBytes(32).toString('hex'),
      leave_on_shutdown: false,
      listen_multiaddress: ['/ip4/0.0.0.0/tcp/9096'],
      announce_multiaddress: [],
      no_announce_multiaddress: [],
      enable_relay_hop: true,
      connection_manager: { high_water: 400, low_water: 100, grace_period: 120_000 },
      dial_peer_timeout: 3000,
      state_sync_interval: 300_000,
      pin_recover_interval: 720_000,
      replication_factor_min: -1,
      replication_factor_max: -1,
      monitor_ping_interval: 15_000,
      peer_watch_interval: 5000,
      mdns_interval: 10_000,
      pin_only_on_trusted_peers: false,
      pin_only_on_untrusted_peers: false,
      disable_repinning: true,
      follower_mode: false,
      peerstore_file: 'peerstore',
      peer_addresses: [],
      ec_max_shard_size: 256 * 1024 * 1024,
      ec_repair_grace_period: 300_000,
      ec_write_quorum: 0
    }
  },
  parse (json: JSONObject): ClusterConfig {
    const d = this.defaults()
    const cm = (json.connection_manager ?? {}) as JSONObject
    const cfg: ClusterConfig = {
      peername: field(json, 'peername', d.peername, isString),
      secret: field(json, 'secret', '', isString),
      leave_on_shutdown: field(json, 'leave_on_shutdown', d.leave_on_shutdown, isBool),
      listen_multiaddress: stringsField(json, 'listen_multiaddress', d.listen_multiaddress),
      announce_multiaddress: stringsField(json, 'announce_multiaddress', []),
      no_announce_multiaddress: stringsField(json, 'no_announce_multiaddress', []),
      enable_relay_hop: field(json, 'enable_relay_hop', d.enable_relay_hop, isBool),
      connection_manager: {
        high_water: field(cm, 'high_water', d.connection_manager.high_water, isNumber),
        low_water: field(cm, 'low_water', d.connection_manager.low_water, isNumber),
        grace_period: durationField(cm, 'grace_period', d.connection_manager.grace_period)
      },
      dial_peer_timeout: durationField(json, 'dial_peer_timeout', d.dial_peer_timeout),
      state_sync_interval: durationField(json, 'state_sync_interval', d.state_sync_interval),
      pin_recover_interval: durationField(json, 'pin_recover_interval', d.pin_recover_interval),
      replication_factor_min: field(json, 'replication_factor_min', d.replication_factor_min, isNumber),
      replication_factor_max: field(json, 'replication_factor_max', d.replication_factor_max, isNumber),
      monitor_ping_interval: durationField(json, 'monitor_ping_interval', d.monitor_ping_interval),
      peer_watch_interval: durationField(json, 'peer_watch_interval', d.peer_watch_interval),
      mdns_interval: durationField(json, 'mdns_interval', d.mdns_interval),
      pin_only_on_trusted_peers: field(json, 'pin_only_on_trusted_peers', false, isBool),
      pin_only_on_untrusted_peers: field(json, 'pin_only_on_untrusted_peers', false, isBool),
      disable_repinning: field(json, 'disable_repinning', d.disable_repinning, isBool),
      follower_mode: field(json, 'follower_mode', false, isBool),
      peerstore_file: field(json, 'peerstore_file', d.peerstore_file, isString) || d.peerstore_file,
      peer_addresses: stringsField(json, 'peer_addresses', []),
      ec_max_shard_size: field(json, 'ec_max_shard_size', d.ec_max_shard_size, isNumber),
      ec_repair_grace_period: durationField(json, 'ec_repair_grace_period', d.ec_repair_grace_period),
      ec_write_quorum: field(json, 'ec_write_quorum', d.ec_write_quorum, isNumber)
    }
    validate(cfg)
    return cfg
  },
  toJSON (cfg: ClusterConfig): JSONObject {
    const json: JSONObject = {
      peername: cfg.peername,
      secret: cfg.secret,
      leave_on_shutdown: cfg.leave_on_shutdown,
      listen_multiaddress: stringsJSON(cfg.listen_multiaddress),
      announce_multiaddress: cfg.announce_multiaddress,
      no_announce_multiaddress: cfg.no_announce_multiaddress,
      enable_relay_hop: cfg.enable_relay_hop,
      connection_manager: {
        high_water: cfg.connection_manager.high_water,
        low_water: cfg.connection_manager.low_water,
        grace_period: durationJSON(cfg.connection_manager.grace_period)
      },
      dial_peer_timeout: durationJSON(cfg.dial_peer_timeout),
      state_sync_interval: durationJSON(cfg.state_sync_interval),
      pin_recover_interval: durationJSON(cfg.pin_recover_interval),
      replication_factor_min: cfg.replication_factor_min,
      replication_factor_max: cfg.replication_factor_max,
      monitor_ping_interval: durationJSON(cfg.monitor_ping_interval),
      peer_watch_interval: durationJSON(cfg.peer_watch_interval),
      mdns_interval: durationJSON(cfg.mdns_interval),
      pin_only_on_trusted_peers: cfg.pin_only_on_trusted_peers,
      pin_only_on_untrusted_peers: cfg.pin_only_on_untrusted_peers,
      disable_repinning: cfg.disable_repinning,
      follower_mode: cfg.follower_mode,
      peerstore_file: cfg.peerstore_file,
      peer_addresses: cfg.peer_addresses,
      ec_max_shard_size: cfg.ec_max_shard_size,
      ec_repair_grace_period: durationJSON(cfg.ec_repair_grace_period),
      ec_write_quorum: cfg.ec_write_quorum
    }
    // written even at their defaults (upstream omits them) so CLUSTER_FOLLOWERMODE and
    // CLUSTER_PEERSTOREFILE have a key to override
    return json
  }
}

function validate (cfg: ClusterConfig): void {
  if (cfg.secret !== '' && !/^[0-9a-fA-F]{64}$/.test(cfg.secret)) {
    throw new Error('cluster secret must be 32 bytes in hex (64 characters) or empty')
  }
  const { replication_factor_min: min, replication_factor_max: max } = cfg
  const bothEverywhere = min === -1 && max === -1
  if (!bothEverywhere && (min < 1 || max < 1 || min > max)) {
    throw new Error('replication_factor_min and replication_factor_max must both be -1, or both >= 1 with min <= max')
  }
  const cm = cfg.connection_manager
  if (cm.low_water <= 0 || cm.high_water <= 0 || cm.low_water > cm.high_water) {
    throw new Error('connection_manager: low_water and high_water must be > 0 and low_water <= high_water')
  }
  if (cfg.pin_only_on_trusted_peers && cfg.pin_only_on_untrusted_peers) {
    throw new Error('pin_only_on_trusted_peers and pin_only_on_untrusted_peers are mutually exclusive')
  }
  if (cfg.monitor_ping_interval <= 0) throw new Error('monitor_ping_interval must be > 0')
  if (cfg.ec_max_shard_size < 1) throw new Error('ec_max_shard_size must be > 0')
  // d differs from add to add: a value below d+1 is raised to d+1 by each add (with a warning)
  if (!Number.isSafeInteger(cfg.ec_write_quorum) || cfg.ec_write_quorum < 0) {
    throw new Error('ec_write_quorum must be an integer >= 0 (0 = data shards + 1)')
  }
}
