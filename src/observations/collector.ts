// Polls a MetricsSource every reporting_interval and sets the gauges of a ClusterMetrics. A
// round starts only after the previous one ended, so a slow pinset walk never piles up; a
// failing read is logged and leaves its gauge at the last value.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { errorMessage } from '../api/errors.js'
import type { ClusterMetrics } from './metrics.js'
import type { MetricsSource } from './source.js'

export interface MetricsCollectorInit {
  metrics: ClusterMetrics
  source: MetricsSource
  intervalMs: number
  logger: Logger
}

export class MetricsCollector {
  private readonly init: MetricsCollectorInit
  private readonly stopped = new AbortController()
  private running?: Promise<void>

  constructor (init: MetricsCollectorInit) {
    this.init = init
  }

  /** Collects at once, then every interval until stop(). */
  start (): void {
    if (this.running != null || this.stopped.signal.aborted) return
    this.running = this.loop()
  }

  async stop (): Promise<void> {
    this.stopped.abort(new Error('metrics collector stopped'))
    await this.running
  }

  /** One round: every gauge the source feeds. */
  async collect (signal?: AbortSignal): Promise<void> {
    const { metrics, source, logger } = this.init
    const read = async <T>(what: string, fn: () => Promise<T> | T, set: (v: T) => void): Promise<void> => {
      try {
        set(await fn())
      } catch (err) {
        if (signal?.aborted !== true) logger.warn(`metrics: cannot read ${what}: ${errorMessage(err)}`)
      }
    }
    await read('the peer count', () => source.peerCount(signal), n => metrics.setPeers(n))
    await read('the pin count', () => source.pinCount(signal), n => metrics.setPins(n))
    await read('the tracker statuses', () => source.trackerStatusCounts(signal), c => metrics.setTrackerStatusCounts(c))
  }

  private async loop (): Promise<void> {
    const signal = this.stopped.signal
    while (!signal.aborted) {
      await this.collect(signal)
      if (signal.aborted) return
      // rejects (and releases its abort listener) when stopped
      await sleep(this.init.intervalMs, undefined, { signal }).catch(() => {})
    }
  }
}
