// The tracker's work queues: a priority lane drained before the normal lane, a bound on the
// number of waiting operations, and a fixed number of workers.
import type { Operation } from './operation.js'

export class QueueFullError extends Error {
  constructor (kind: string) {
    super(`${kind} operation queue is full. Try increasing max_pin_queue_size`)
    this.name = 'QueueFullError'
  }
}

export class OperationQueue {
  private readonly priority: Operation[] = []
  private readonly normal: Operation[] = []
  private readonly waiters: Array<() => void> = []
  private readonly max: number
  private readonly kind: string
  private closed = false

  constructor (kind: string, max: number) {
    this.kind = kind
    this.max = max
  }

  get size (): number {
    return this.priority.length + this.normal.length
  }

  push (op: Operation): void {
    if (this.size >= this.max) throw new QueueFullError(this.kind)
    ;(op.priority ? this.priority : this.normal).push(op)
    this.waiters.shift()?.()
  }

  /** Runs `workers` loops that take operations and hand them to `run` until close(). */
  run (workers: number, run: (op: Operation) => Promise<void>): Promise<void[]> {
    const loops: Array<Promise<void>> = []
    for (let i = 0; i < workers; i++) {
      loops.push((async () => {
        while (!this.closed) {
          const op = this.priority.shift() ?? this.normal.shift()
          if (op == null) {
            await new Promise<void>(resolve => this.waiters.push(resolve))
            continue
          }
          if (op.cancelled) continue
          await run(op)
        }
      })())
    }
    return Promise.all(loops)
  }

  close (): void {
    this.closed = true
    for (const w of this.waiters.splice(0)) w()
  }
}
