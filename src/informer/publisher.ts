// Pushes this peer's metrics: each informer every TTL/2 (TTL/4 after an error, so a transient
// failure does not let the metric expire), and the ping every monitor_ping_interval.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { Metric } from '../api/types.js'
import { isDiscarded, ttlLeft } from '../monitor/metric.js'
import type { Informer } from './informer.js'
import type { PingMetricSource } from './ping.js'

/** Assumed TTL when an informer produced no publishable metric (upstream's fallback). */
export const FALLBACK_TTL_MS = 30_000
/** Log a failing informer once in this many consecutive failures. */
const ERROR_LOG_EVERY = 10

export interface MetricSink {
  publishMetric (m: Metric, opts?: { signal?: AbortSignal }): Promise<void>
}

export interface MetricsPublisherInit {
  peerId: string
  /** the PeerMonitor */
  monitor: MetricSink
  informers: Informer[]
  ping: PingMetricSource
  /** monitor_ping_interval in ms */
  pingIntervalMs: number
  logger: Pick<Logger, 'debug' | 'warn' | 'error'>
}

interface SendResult {
  /** shortest TTL among the published metrics, 0 when none */
  minTTL: number
  errors: unknown[]
}

export class MetricsPublisher {
  private readonly init: MetricsPublisherInit
  private readonly log: Pick<Logger, 'debug' | 'warn' | 'error'>
  /** per informer, the last TTL seen: bounds how long one getMetrics call may take */
  private readonly lastTTL = new Map<Informer, number>()
  private controller: AbortController | undefined
  private loops: Array<Promise<void>> = []

  constructor (init: MetricsPublisherInit) {
    this.init = init
    this.log = init.logger
  }

  start (): void {
    if (this.controller != null) return
    const controller = new AbortController()
    this.controller = controller
    this.loops = [
      ...this.init.informers.map(async inf => { await this.informerLoop(inf, controller.signal) }),
      this.pingLoop(controller.signal)
    ]
  }

  async stop (): Promise<void> {
    const controller = this.controller
    if (controller == null) return
    this.controller = undefined
    controller.abort()
    await Promise.allSettled(this.loops)
    this.loops = []
  }

  /**
   * Publishes every informer's metrics and a ping right away (after joining, so that the new
   * peer is allocatable at once). Rejects with an AggregateError if anything failed.
   */
  async sendNow (opts: { signal?: AbortSignal } = {}): Promise<void> {
    const signal = opts.signal ?? new AbortController().signal
    const results = await Promise.all([
      ...this.init.informers.map(async inf => await this.sendInformer(inf, signal)),
      this.sendPing(signal).then(() => ({ minTTL: 0, errors: [] }), err => ({ minTTL: 0, errors: [err] }))
    ])
    const errors = results.flatMap(r => r.errors)
    if (errors.length > 0) throw new AggregateError(errors, 'some metrics could not be published')
  }

  /** Publishes the ping metric once. */
  async sendPing (signal: AbortSignal): Promise<void> {
    const m = await this.init.ping.metric(signal)
    await this.init.monitor.publishMetric(m, { signal })
  }

  private async sendInformer (inf: Informer, signal: AbortSignal): Promise<SendResult> {
    const errors: unknown[] = []
    let minTTL = 0
    let metrics: Metric[]
    try {
      // a hung IPFS call must not stall this informer past its metric's lifetime
      const timeout = AbortSignal.timeout(Math.ceil(this.lastTTL.get(inf) ?? FALLBACK_TTL_MS))
      metrics = await inf.getMetrics(AbortSignal.any([signal, timeout]))
    } catch (err) {
      return { minTTL, errors: [err] }
    }
    if (metrics.length === 0) this.log.error(`informer ${inf.name()} produced no metrics`)
    for (const metric of metrics) {
      if (isDiscarded(metric)) continue // e.g. tag:none, or a full disk
      const m = { ...metric, peer: this.init.peerId }
      const ttl = ttlLeft(m)
      if (ttl > 0 && (minTTL === 0 || ttl < minTTL)) minTTL = ttl
      try {
        await this.init.monitor.publishMetric(m, { signal })
      } catch (err) {
        this.log.warn(`error sending metric ${m.name}: ${(err as Error).message}`)
        errors.push(err)
      }
    }
    if (minTTL > 0) this.lastTTL.set(inf, minTTL)
    return { minTTL, errors }
  }

  private async informerLoop (inf: Informer, signal: AbortSignal): Promise<void> {
    let failures = 0
    while (!signal.aborted) {
      const { minTTL, errors } = await this.sendInformer(inf, signal)
      if (signal.aborted) return
      const ttl = minTTL > 0 ? minTTL : FALLBACK_TTL_MS
      let delay: number
      if (errors.length > 0) {
        if (failures % ERROR_LOG_EVERY === 0) {
          this.log.error(`error broadcasting metric of informer ${inf.name()}: ${errors.map(e => (e as Error).message).join('; ')}`)
        }
        failures++
        delay = ttl / 4
      } else {
        failures = 0
        delay = ttl / 2
      }
      try {
        await sleep(delay, undefined, { signal })
      } catch {
        return
      }
    }
  }

  private async pingLoop (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.sendPing(signal)
      } catch (err) {
        if (signal.aborted) return
        this.log.error(`error sending ping metric: ${(err as Error).message}`)
      }
      try {
        await sleep(this.init.pingIntervalMs, undefined, { signal })
      } catch {
        return
      }
    }
  }
}
