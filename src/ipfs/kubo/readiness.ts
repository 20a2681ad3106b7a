// Upstream's readiness rule for kubo: poll `id` every second until it answers, warning every
// 10 failed tries. Until then calls are still attempted; ready() lets the daemon wait.
import type { Logger } from 'pino'
import { setTimeout as sleep } from 'node:timers/promises'
import { withTimeout } from '../../common/signal.js'

export interface ReadinessInit {
  probe: (signal: AbortSignal) => Promise<void>
  logger: Logger
  signal: AbortSignal
  intervalMs?: number
}

export class ReadinessLoop {
  private readonly init: ReadinessInit
  private readonly done: Promise<void>
  private resolve!: () => void
  private reject!: (err: unknown) => void
  private started = false

  constructor (init: ReadinessInit) {
    this.init = init
    this.done = new Promise((resolve, reject) => { this.resolve = resolve; this.reject = reject })
    this.done.catch(() => {})
  }

  start (): void {
    if (this.started) return
    this.started = true
    void this.loop()
  }

  async ready (signal?: AbortSignal): Promise<void> {
    if (signal == null) return await this.done
    signal.throwIfAborted()
    let onAbort: (() => void) | undefined
    try {
      await Promise.race([this.done, new Promise<never>((_resolve, reject) => {
        onAbort = () => reject(signal.reason)
        signal.addEventListener('abort', onAbort, { once: true })
      })])
    } finally {
      if (onAbort != null) signal.removeEventListener('abort', onAbort)
    }
  }

  private async loop (): Promise<void> {
    const { signal, probe, logger } = this.init
    for (let i = 1; ; i++) {
      if (signal.aborted) {
        this.reject(signal.reason)
        return
      }
      try {
        await probe(withTimeout(10_000, signal))
        this.resolve()
        return
      } catch (err) {
        if (i % 10 === 0) logger.warn({ tries: i, err: (err as Error).message }, 'ipfs does not seem to be available')
      }
      try {
        await sleep(this.init.intervalMs ?? 1000, undefined, { signal })
      } catch {
        this.reject(signal.reason)
        return
      }
    }
  }
}
