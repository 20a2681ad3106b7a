// The cluster's Prometheus metrics (namespace "ipfscluster", as upstream). One ClusterMetrics
// object per peer: the collector sets the gauges it polls (pins, peers, tracker statuses), and
// the core and components call the recorder methods when things happen (adds, repairs, erasure
// shard health). Each instance has its own registry, so several can live in one process.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { TrackerStatus } from '../api/types.js'
import type { TrackerStatusName } from '../api/types.js'

export const METRICS_NAMESPACE = 'ipfscluster'

/** What the core and components call; `noopMetrics` when stats are disabled. */
export interface MetricsRecorder {
  /** bytes imported by an add (the content, not the DAG overhead) */
  recordAdd (bytes: number): void
  /** bytes re-created by an erasure-code repair */
  recordRepair (bytes: number): void
  /** erasure-coded shards whose placement is healthy / that are lost (not enough copies) */
  setErasureShards (healthy: number, lost: number): void
}

export const noopMetrics: MetricsRecorder = Object.freeze({
  recordAdd () {},
  recordRepair () {},
  setErasureShards () {}
})

export type TrackerStatusCounts = Partial<Record<TrackerStatusName, number>>

/** Every real tracker status gets a gauge (undefined is never a pin's status). */
export const TRACKED_STATUSES = (Object.keys(TrackerStatus) as TrackerStatusName[]).filter(s => s !== 'undefined')

export interface ClusterMetricsOptions {
  /** the nodejs/process metrics of prom-client (CPU, memory, event loop, GC); default true */
  processMetrics?: boolean
}

export class ClusterMetrics implements MetricsRecorder {
  readonly registry = new Registry()
  private readonly pins: Gauge
  private readonly peers: Gauge
  private readonly statuses = new Map<TrackerStatusName, Gauge>()
  private readonly shardsHealthy: Gauge
  private readonly shardsLost: Gauge
  private readonly addedBytes: Counter
  private readonly adds: Counter
  private readonly repairedBytes: Counter
  private readonly repairs: Counter

  constructor (opts: ClusterMetricsOptions = {}) {
    const registers = [this.registry]
    const gauge = (name: string, help: string): Gauge => new Gauge({ name: `${METRICS_NAMESPACE}_${name}`, help, registers })
    const counter = (name: string, help: string): Counter => new Counter({ name: `${METRICS_NAMESPACE}_${name}`, help, registers })
    this.pins = gauge('pins', 'Total number of cluster pins')
    this.peers = gauge('peers', 'Number of cluster peers (the peerset)')
    // upstream's names for the three it has: pins_pin_queued, pins_pinning, pins_pin_error
    for (const s of TRACKED_STATUSES) this.statuses.set(s, gauge(`pins_${s}`, `Number of pins with tracker status ${s} on this peer`))
    this.shardsHealthy = gauge('ec_shards_healthy', 'Erasure-coded shards with enough live copies')
    this.shardsLost = gauge('ec_shards_lost', 'Erasure-coded shards without enough live copies')
    this.addedBytes = counter('added_bytes_total', 'Bytes of content added through this peer')
    this.adds = counter('adds_total', 'Adds completed through this peer')
    this.repairedBytes = counter('repaired_bytes_total', 'Bytes re-created by erasure-code repairs on this peer')
    this.repairs = counter('repairs_total', 'Erasure-code repairs done by this peer')
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry })
  }

  setPins (n: number): void {
    this.pins.set(n)
  }

  setPeers (n: number): void {
    this.peers.set(n)
  }

  /** Sets every status gauge: a status absent from the counts has no pins. */
  setTrackerStatusCounts (counts: TrackerStatusCounts): void {
    for (const [s, g] of this.statuses) g.set(counts[s] ?? 0)
  }

  setErasureShards (healthy: number, lost: number): void {
    this.shardsHealthy.set(healthy)
    this.shardsLost.set(lost)
  }

  recordAdd (bytes: number): void {
    this.adds.inc()
    if (bytes > 0) this.addedBytes.inc(bytes)
  }

  recordRepair (bytes: number): void {
    this.repairs.inc()
    if (bytes > 0) this.repairedBytes.inc(bytes)
  }

  /** The Prometheus text exposition of every metric. */
  async exposition (): Promise<string> {
    return await this.registry.metrics()
  }

  get contentType (): string {
    return this.registry.contentType
  }
}
