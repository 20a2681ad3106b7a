// The pubsub peer monitor (upstream monitor/pubsubmon): every peer broadcasts its metrics on a
// topic, every peer stores what it hears, and a peer whose last metric expired raises an alert.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { Alert, Metric } from '../api/types.js'
import { AlertFeed, RecentAlerts, type AlertListener, type AlertStreamOptions } from './alerts.js'
import { AlertChecker } from './checker.js'
import { decodeMetric, encodeMetric } from './codec.js'
import type { MonitorConfig } from './config.js'
import { isDiscarded, systemClock, type Clock } from './metric.js'
import { MetricsStore } from './store.js'
import type { MetricsTransport } from './transport.js'
import type { Monitor } from './monitor.js'

export type MonitorLogger = Pick<Logger, 'debug' | 'warn' | 'error'>

/** Name of the liveness metric every peer sends; its holders form the peerset. */
export const PING_METRIC_NAME = 'ping'

export interface PeerMonitorInit {
  config: MonitorConfig
  transport: MetricsTransport
  logger: MonitorLogger
  /** this peer's ID: its own messages echoed by the transport are not stored twice */
  peerId?: string
  /**
   * false on follower peers: upstream's followers ignore alerts, so /health/alerts stays empty.
   * Subscribers still hear them. Default true.
   */
  recordAlerts?: boolean
  /** for tests */
  clock?: Clock
}

export class PeerMonitor implements Monitor {
  private readonly config: MonitorConfig
  private readonly transport: MetricsTransport
  private readonly log: MonitorLogger
  private readonly peerId: string | undefined
  private readonly recordAlerts: boolean
  private readonly clock: Clock
  private readonly store: MetricsStore
  private readonly checker: AlertChecker
  private readonly recent = new RecentAlerts()
  private readonly feed: AlertFeed
  private controller: AbortController | undefined
  private unsubscribe: (() => void) | undefined
  private checkLoop: Promise<void> | undefined

  constructor (init: PeerMonitorInit) {
    this.config = init.config
    this.transport = init.transport
    this.log = init.logger
    this.peerId = init.peerId
    this.recordAlerts = init.recordAlerts ?? true
    this.clock = init.clock ?? systemClock
    this.store = new MetricsStore(this.clock)
    this.checker = new AlertChecker(this.store, this.clock)
    this.feed = new AlertFeed({
      onDrop: a => { this.log.error(`alert stream full: dropping alert for ${a.name} of ${a.peer}`) },
      onListenerError: err => { this.log.error({ err }, 'alert listener failed') }
    })
  }

  /** Subscribes to the metrics topic and starts checking for expired metrics. */
  start (): void {
    if (this.controller != null) return
    const controller = new AbortController()
    this.controller = controller
    this.unsubscribe = this.transport.subscribe((data, from) => { this.receive(data, from) })
    this.checkLoop = this.runChecks(controller.signal)
  }

  /** Stops checking and receiving; alert streams end. Idempotent. */
  async stop (): Promise<void> {
    const controller = this.controller
    if (controller == null) return
    this.controller = undefined
    controller.abort()
    this.unsubscribe?.()
    this.unsubscribe = undefined
    await this.checkLoop
    this.checkLoop = undefined
    this.feed.close()
  }

  /**
   * Broadcasts one of this peer's metrics. Invalid or expired metrics are dropped (never sent).
   * The metric is also stored locally first: gossipsub does not deliver a peer's own messages,
   * and a lone peer must still see itself (peerset, allocation, /monitor/metrics).
   */
  async publishMetric (m: Metric, opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (isDiscarded(m, this.clock())) {
      this.log.warn(`discarding invalid metric: ${m.name} of ${m.peer}`)
      return
    }
    this.logMetric(m)
    opts.signal?.throwIfAborted()
    await this.transport.publish(encodeMetric(m))
  }

  /** Stores a metric as received now; a valid one ends the peer's failure episode for it. */
  logMetric (m: Metric): Metric {
    const stored = this.store.add(m)
    if (!isDiscarded(stored, this.clock())) this.checker.reset(m.peer, m.name)
    return stored
  }

  /** The latest valid, unexpired metric of every peer, sorted by peer. */
  latestMetrics (name: string): Metric[] {
    return this.store.latestValid(name)
  }

  /** The latest metric of a peer, even expired (peer names, IPFS IDs of gone peers). */
  latestForPeer (name: string, peer: string): Metric | undefined {
    return this.store.peerLatest(name, peer)
  }

  metricNames (): string[] {
    return this.store.names()
  }

  /** Peers with a live metric of that name: with `ping`, the current peerset. */
  peers (metricName: string = PING_METRIC_NAME): string[] {
    return this.latestMetrics(metricName).map(m => m.peer)
  }

  /** Forgets a peer's metrics (after it was removed from the cluster). */
  removePeer (peer: string): void {
    this.store.removePeer(peer)
  }

  /** Recent alerts, most recent first (GET /health/alerts). */
  alerts (): Alert[] {
    return this.recent.recent()
  }

  /** Calls listener for every alert raised from now on; returns the unsubscribe function. */
  onAlert (listener: AlertListener): () => void {
    return this.feed.on(listener)
  }

  /** Alerts raised from now on, until the signal aborts or the monitor stops. */
  alertStream (opts: AlertStreamOptions = {}): AsyncIterable<Alert> {
    return this.feed.stream(opts)
  }

  /** Runs one failure check now (the timer runs it every check_interval). */
  checkNow (): Alert[] {
    const alerts = this.checker.check()
    for (const alert of alerts) {
      this.log.warn(`metric alert for ${alert.name}: Peer: ${alert.peer}.`)
      if (this.recordAlerts) this.recent.add(alert)
      this.feed.emit(alert)
    }
    return alerts
  }

  private receive (data: Uint8Array, from: string): void {
    let m: Metric
    try {
      m = decodeMetric(data)
    } catch (err) {
      this.log.warn({ err, from }, 'dropping undecodable metric message')
      return
    }
    // Gossipsub signs messages, so `from` is authentic: a peer may only speak for itself,
    // otherwise anyone on the topic could keep a dead peer alive or fake free space.
    if (from !== '' && from !== m.peer) {
      this.log.warn(`dropping metric ${m.name} about ${m.peer} sent by ${from}`)
      return
    }
    if (this.peerId !== undefined && from === this.peerId) return // already stored by publishMetric
    this.logMetric(m)
  }

  private async runChecks (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await sleep(this.config.checkIntervalMs, undefined, { signal })
      } catch {
        return // aborted by stop()
      }
      this.checkNow()
    }
  }
}
