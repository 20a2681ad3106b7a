// The `ping` metric: a peer's heartbeat, sent every monitor_ping_interval and valid for twice
// that, so one lost message does not make a peer look dead. Its value tells other peers this
// peer's name and IPFS identity (used by status, peers and connect-graph for gone peers too).
import { isIPv4, isIPv6 } from 'node:net'
import type { IPFSID, Metric } from '../api/types.js'
import { expireAfter, newMetric } from '../monitor/metric.js'
import { PING_METRIC_NAME } from '../monitor/peer-monitor.js'

export { PING_METRIC_NAME }

/** JSON value of a ping metric; empty fields are left out, as Go's omitempty does. */
export interface PingValue {
  peer_name?: string
  ipfs_id?: string
  ipfs_addresses?: string[]
}

export function encodePingValue (v: PingValue): string {
  const out: PingValue = {}
  if (v.peer_name != null && v.peer_name !== '') out.peer_name = v.peer_name
  if (v.ipfs_id != null && v.ipfs_id !== '') out.ipfs_id = v.ipfs_id
  if (v.ipfs_addresses != null && v.ipfs_addresses.length > 0) out.ipfs_addresses = v.ipfs_addresses
  return JSON.stringify(out)
}

/** Reads a ping value back; anything unreadable gives an empty value, as upstream. */
export function pingValueFromMetric (m: Metric | undefined): PingValue {
  if (m == null || m.value === '') return {}
  try {
    const v = JSON.parse(m.value) as Record<string, unknown>
    if (v == null || typeof v !== 'object') return {}
    const out: PingValue = {}
    if (typeof v.peer_name === 'string') out.peer_name = v.peer_name
    if (typeof v.ipfs_id === 'string') out.ipfs_id = v.ipfs_id
    if (Array.isArray(v.ipfs_addresses)) out.ipfs_addresses = v.ipfs_addresses.filter((a): a is string => typeof a === 'string')
    return out
  } catch {
    return {}
  }
}

/**
 * Addresses worth telling other peers: DNS ones, and IP ones that are global unicast in Go's
 * sense (not loopback, link-local, multicast, unspecified or broadcast; private ranges count).
 */
export function publicIPFSAddresses (addrs: readonly string[]): string[] {
  return addrs.filter(isPublicAddress)
}

function isPublicAddress (maddr: string): boolean {
  const parts = maddr.split('/')
  const proto = parts[1]
  const value = parts[2] ?? ''
  if (proto === 'dns' || proto === 'dns4' || proto === 'dns6' || proto === 'dnsaddr') return true
  if (proto === 'ip4') return isIPv4(value) && isGlobalUnicastV4(value)
  if (proto === 'ip6') return isIPv6(value) && isGlobalUnicastV6(value)
  return false
}

function isGlobalUnicastV4 (ip: string): boolean {
  const [a, b] = ip.split('.').map(Number)
  if (ip === '255.255.255.255' || ip === '0.0.0.0') return false
  if (a === 127) return false // loopback
  if (a >= 224 && a <= 239) return false // multicast
  if (a === 169 && b === 254) return false // link-local
  return true
}

function isGlobalUnicastV6 (ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped != null) return isGlobalUnicastV4(mapped[1])
  if (ip === '::' || ip === '::1') return false
  const first = ip.startsWith('::') ? 0 : parseInt(ip.split(':')[0], 16)
  if ((first & 0xff00) === 0xff00) return false // multicast
  if ((first & 0xffc0) === 0xfe80) return false // link-local
  return true
}

export function pingMetric (peer: string, value: PingValue, ttlMs: number, now = Date.now()): Metric {
  return newMetric({ name: PING_METRIC_NAME, peer, value: encodePingValue(value), valid: true, expire: expireAfter(ttlMs, now) })
}

export interface PingMetricSourceInit {
  peerId: string
  peerName: string
  /** monitor_ping_interval in ms: the metric lives twice as long */
  pingIntervalMs: number
  /** the IPFS node's identity (IpfsConnector.id) */
  ipfsId: (signal: AbortSignal) => Promise<IPFSID>
}

/** Builds this peer's ping metrics, keeping the last good IPFS identity while IPFS is down. */
export class PingMetricSource {
  private readonly init: PingMetricSourceInit
  private last: PingValue | undefined

  constructor (init: PingMetricSourceInit) {
    this.init = init
  }

  get ttlMs (): number {
    return 2 * this.init.pingIntervalMs
  }

  async metric (signal: AbortSignal): Promise<Metric> {
    let ipfs: IPFSID | undefined
    try {
      ipfs = await this.init.ipfsId(signal)
    } catch {
      ipfs = undefined // IPFS down: a ping is still due, the cluster peer itself is alive
    }
    let value: PingValue = {
      peer_name: this.init.peerName,
      ipfs_id: ipfs?.id ?? '',
      ipfs_addresses: publicIPFSAddresses(ipfs?.addresses ?? [])
    }
    if (value.ipfs_id === '' && this.last != null) value = this.last
    else if (value.ipfs_id !== '') this.last = value
    return pingMetric(this.init.peerId, value, this.ttlMs)
  }
}
