// Pins left in the pinset for later: when a peer takes more pins than the tracker holds
// operations for in memory (a peer joining a cluster of a million pins, a restart with many
// lost pins), the rest wait in the pinset itself. A walk of the pinset queues them as the queue
// drains; pins that overflow during a walk start another. The pinset is the list: memory stays
// bounded by the in-memory queue, not by the number of pins waiting.
import type { Logger } from 'pino'
import { setTimeout as sleep } from 'node:timers/promises'
import { errorMessage } from '../api/errors.js'

export class Backlog {
  private pending = false
  private walking = false
  private wake?: () => void
  /** pins left to the backlog and not queued again yet: an estimate, for the pinqueue metric */
  private left = 0

  /** A pin was left in the pinset: a walk will queue it. */
  defer (): void {
    this.pending = true
    this.left++
    this.wake?.()
  }

  /** A walk queued a pin. */
  queued (): void {
    if (this.left > 0) this.left--
  }

  /** pins waiting in the pinset (estimated) */
  get size (): number {
    return this.left
  }

  /** Whether pins may wait in the pinset: allocated here, not pinned and without an operation. */
  get active (): boolean {
    return this.pending || this.walking
  }

  /** Runs `walk` whenever pins were left, until `signal` aborts. */
  async run (walk: () => Promise<void>, signal: AbortSignal, log: Logger): Promise<void> {
    const onAbort = (): void => { this.wake?.() }
    signal.addEventListener('abort', onAbort, { once: true })
    while (!signal.aborted) {
      if (!this.pending) {
        await new Promise<void>(resolve => { this.wake = resolve })
        this.wake = undefined
        continue
      }
      this.pending = false
      this.walking = true
      try {
        await walk()
      } catch (err) {
        if (!signal.aborted) {
          log.warn({ err: errorMessage(err) }, 'walking the pinset for the pins left to the backlog failed')
          this.pending = true
          await sleep(1000, undefined, { signal }).catch(() => {})
        }
      } finally {
        this.walking = false
      }
      if (!this.pending) this.left = 0
    }
    signal.removeEventListener('abort', onAbort)
  }
}
