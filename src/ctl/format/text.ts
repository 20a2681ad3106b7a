// Text renderings of API objects, line for line as upstream's cmd/ipfs-cluster-ctl/formatters.go
// prints them. Each returns the full text including the final newline.
import type {
  AddedOutput, Alert, ErasureStatus, GlobalPinInfo, GlobalRepoGC, ID, Metric, Pin, Version
} from '../../api/types.js'
import type { BandwidthByProtocol } from '../client/client.js'
import { goFixed, humanBytes, humanTime } from './humanize.js'
import { goDateTime, isGoZeroTime, rfc3339Nano } from './gotime.js'

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Go's %-Ns: left-aligned, padded with spaces to at least n characters. */
export function padRight (s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length)
}

/** Go's %Ns: right-aligned. */
export function padLeft (s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s
}

export function formatId (id: ID): string {
  if (id.error != null && id.error !== '') return `${id.id} | ERROR: ${id.error}\n`
  let out = `${id.id} | ${id.peername} | Sees ${(id.cluster_peers ?? []).length - 1} other peers\n`
  out += '  > Addresses:\n'
  for (const a of [...(id.addresses ?? [])].sort(byteOrder)) out += `    - ${a}\n`
  const ipfs = id.ipfs ?? { addresses: [], error: '' }
  if (ipfs.error != null && ipfs.error !== '') return out + `  > IPFS ERROR: ${ipfs.error}\n`
  out += `  > IPFS: ${ipfs.id ?? ''}\n`
  for (const a of [...(ipfs.addresses ?? [])].sort(byteOrder)) out += `    - ${a}\n`
  return out
}

export function formatGlobalPinInfo (gpi: GlobalPinInfo): string {
  let out = gpi.cid
  if (gpi.name != null && gpi.name !== '') out += ` | ${gpi.name}`
  out += ':\n'
  const peerMap = gpi.peer_map ?? {}
  for (const k of Object.keys(peerMap).sort(byteOrder)) {
    const v = peerMap[k]
    const who = v.peername != null && v.peername !== '' ? v.peername : k
    out += `    > ${padRight(who, 20)} : ${String(v.status ?? 'undefined').toUpperCase()}`
    if (v.error != null && v.error !== '') out += `: ${v.error}`
    out += ` | ${rfc3339Nano(v.timestamp)}`
    out += ` | Attempts: ${v.attempt_count ?? 0}`
    out += ` | Priority: ${v.priority_pin === true ? 'true' : 'false'}`
    out += '\n'
  }
  if (gpi.erasure != null) out += formatErasureStatus(gpi.erasure, peerMap)
  return out
}

/** The per-stripe shard health of an EC file (the `erasure` field of its status). */
export function formatErasureStatus (e: ErasureStatus, peerMap: GlobalPinInfo['peer_map'] = {}): string {
  const who = (p: string): string => p === '' ? 'no peer' : (peerMap[p]?.peername ?? '') !== '' ? peerMap[p].peername : p
  let out = `    > erasure ${e.data_shards}+${e.parity_shards} | manifest ${e.manifest} | ${e.file_size} bytes | ${e.stripes.length} stripes\n`
  for (const s of e.stripes) {
    const more = s.tolerates < 0 ? 'UNRECOVERABLE' : `survives ${s.tolerates} more loss${s.tolerates === 1 ? '' : 'es'}`
    out += `      stripe ${s.stripe}: ${s.healthy}/${s.shards} healthy, ${more}`
    if (s.lost.length > 0) out += ` | lost: ${s.lost.map(l => `${l.kind} ${l.index} on ${who(l.holder)} (${l.reason})`).join(', ')}`
    out += '\n'
  }
  if (e.tree != null) {
    out += `      tree: ${e.tree.holders.length - e.tree.lost.length}/${e.tree.holders.length} copies healthy`
    if (e.tree.lost.length > 0) out += ` | lost on: ${e.tree.lost.map(who).join(', ')}`
    out += '\n'
  }
  return out
}

export function formatVersion (v: Version): string {
  return `${v.version}\n`
}

export function formatPin (p: Pin): string {
  let t = String(p.type ?? 'bad-type').toUpperCase()
  if (p.mode === 'direct') t += '-DIRECT'
  let out = `${p.cid} | ${p.name ?? ''} | ${t} | `
  if (p.replication_factor_min === -1 && p.replication_factor_max === -1) {
    out += 'Repl. Factor: -1 | Allocations: [everywhere]'
  } else {
    const allocs = [...(p.allocations ?? [])].sort(byteOrder)
    out += `Repl. Factor: ${p.replication_factor_min ?? 0}--${p.replication_factor_max ?? 0} | Allocations: [${allocs.join(' ')}]`
  }
  const depth = p.max_depth ?? 0
  out += ` | ${depth === 0 ? 'Direct' : depth === -1 ? 'Recursive' : `Recursive-${depth}`}`
  out += ` | Metadata: ${Object.keys(p.metadata ?? {}).length === 0 ? 'no' : 'yes'}`
  out += ` | Exp: ${isGoZeroTime(p.expire_at) ? '∞' : goDateTime(p.expire_at)}`
  out += ` | Added: ${isGoZeroTime(p.timestamp) ? 'unknown' : goDateTime(p.timestamp)}\n`
  return out
}

export function formatAdded (a: AddedOutput, quiet = false): string {
  return quiet ? `${a.cid}\n` : `added ${a.cid} ${a.name}\n`
}

/** Unix nanoseconds (a JSON number) to milliseconds. */
function nsToMs (ns: number): number {
  return Math.floor(Number(ns) / 1e6)
}

export function formatMetric (m: Metric, nowMs = Date.now()): string {
  let v = m.value
  if (m.name === 'freespace' && m.weight > 0) v = humanBytes(m.weight)
  return `${m.peer} | ${m.name}: ${v} | Expires in: ${humanTime(nsToMs(m.expire), nowMs)}\n`
}

export function formatAlert (a: Alert, nowMs = Date.now()): string {
  return `${a.peer}: ${a.name}. Expired at: ${humanTime(nsToMs(a.expire), nowMs)}. Triggered at: ${humanTime(Date.parse(a.triggered_at), nowMs)}\n`
}

export function formatBandwidth (bw: BandwidthByProtocol): string {
  let out = ''
  for (const k of Object.keys(bw ?? {}).sort(byteOrder)) {
    const s = bw[k]
    out += `${padLeft(k, 25)}: In: ${padLeft(humanBytes(s.total_in), 7)}. Out: ${padLeft(humanBytes(s.total_out), 7)}. ` +
      `RateIn: ${goFixed(Number(s.rate_in), 2)}B/s. RateOut: ${goFixed(Number(s.rate_out), 2)}B/s\n`
  }
  return out
}

export function formatRepoGC (gc: GlobalRepoGC): string {
  let out = ''
  const peerMap = gc.peer_map ?? {}
  for (const peer of Object.keys(peerMap).sort(byteOrder)) {
    const item = peerMap[peer]
    const who = item.peername != null && item.peername !== '' ? item.peername : peer
    out += item.error != null && item.error !== '' ? `${padRight(who, 15)} | ERROR: ${item.error}\n` : `${padRight(who, 15)}\n`
    out += '  > CIDs:\n'
    for (const key of item.keys ?? []) {
      out += key.error != null && key.error !== '' ? `    - ERROR: ${key.error}\n` : `    - ${key.key}\n`
    }
  }
  return out
}

export function formatApiError (e: { code: number, message: string }): string {
  return `An error occurred:\n  Code: ${e.code}\n  Message: ${e.message}\n`
}
