// Delivery of alerts to their users: the list of recent alerts (GET /health/alerts) and live
// subscribers (the core's repin / EC repair handler).
import type { Alert } from '../api/types.js'

/** Upstream's cluster keeps this many alerts, then starts the list again. */
export const MAX_RECENT_ALERTS = 1000
/** Alerts buffered per stream subscriber; further ones are dropped, like upstream's full channel. */
export const ALERT_STREAM_CAPACITY = 256

export class RecentAlerts {
  private list: Alert[] = []

  add (a: Alert): void {
    if (this.list.length > MAX_RECENT_ALERTS) this.list = []
    this.list.push(a)
  }

  /** Most recent first. */
  recent (): Alert[] {
    return this.list.slice().reverse()
  }
}

export type AlertListener = (alert: Alert) => void

export interface AlertStreamOptions {
  signal?: AbortSignal
}

export class AlertFeed {
  private readonly listeners = new Set<AlertListener>()
  private readonly closers = new Set<() => void>()
  private readonly onDrop: (alert: Alert) => void
  private readonly onListenerError: (err: unknown) => void

  constructor (opts: { onDrop?: (alert: Alert) => void, onListenerError?: (err: unknown) => void } = {}) {
    this.onDrop = opts.onDrop ?? (() => {})
    this.onListenerError = opts.onListenerError ?? (() => {})
  }

  /** Calls listener for every alert; returns the function that unsubscribes it. */
  on (listener: AlertListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  emit (alert: Alert): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(alert)
      } catch (err) {
        // one faulty subscriber must not stop the others from hearing about a failure
        this.onListenerError(err)
      }
    }
  }

  /**
   * Alerts as an async iterable. The subscription starts at this call (not at the first
   * next()), so no alert is lost in between; it ends on abort, on close() or when the consumer
   * stops iterating.
   */
  stream (opts: AlertStreamOptions = {}): AsyncIterable<Alert> {
    const queue: Alert[] = []
    let wake: (() => void) | undefined
    let ended = false
    const off = this.on(alert => {
      if (queue.length >= ALERT_STREAM_CAPACITY) {
        this.onDrop(alert)
        return
      }
      queue.push(alert)
      wake?.()
    })
    const end = (): void => {
      if (ended) return
      ended = true
      off()
      this.closers.delete(end)
      opts.signal?.removeEventListener('abort', end)
      wake?.()
    }
    this.closers.add(end)
    opts.signal?.addEventListener('abort', end, { once: true })
    if (opts.signal?.aborted === true) end()

    async function * iterate (): AsyncGenerator<Alert> {
      try {
        while (true) {
          const next = queue.shift()
          if (next !== undefined) {
            yield next
            continue
          }
          if (ended) return
          await new Promise<void>(resolve => { wake = resolve })
          wake = undefined
        }
      } finally {
        end()
      }
    }
    return iterate()
  }

  /** Ends every stream (their pending alerts are still delivered) and drops listeners. */
  close (): void {
    for (const end of [...this.closers]) end()
    this.listeners.clear()
  }
}
