// The tracker's work queues: a priority lane drained before the normal lane, a bound on the
// number of waiting operations, and a fixed number of workers.
import type { Operation } from './operation.js'

/**
 * First in, first out in O(1) per operation. Array.shift moves every element left once the
 * array is large: with a million queued pins each take cost 0.1-2 ms, and the workers spent a
 * fifth of a peer's CPU taking work off the queue (bench/pinset at 1M pins).
 */
class Fifo<T> {
  private items: Array<T | undefined> = []
  private head = 0

  get length (): number {
    return this.items.length - this.head
  }

  push (item: T): void {
    this.items.push(item)
  }

  shift (): T | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head]
    this.items[this.head++] = undefined
    // drop the taken slots once they are half the array: amortised O(1), memory stays bounded
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }
}

export class QueueFullError extends Error {
  constructor (kind: string) {
    super(`${kind} operation queue is full. Try increasing max_pin_queue_size`)
    this.name = 'QueueFullError'
  }
}

export class OperationQueue {
  private readonly priority = new Fifo<Operation>()
  private readonly normal = new Fifo<Operation>()
  private readonly waiters: Array<() => void> = []
  /** callers of below(), woken when an operation is taken */
  private readonly draining: Array<() => void> = []
  private readonly max: number
  private readonly kind: string
  private closed = false

  constructor (kind: string, max: number) {
    this.kind = kind
    this.max = max
  }

  /** operations waiting (a cancelled one until a worker drops it) */
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
          for (const wake of this.draining.splice(0)) wake()
          if (op.cancelled) continue
          await run(op)
        }
      })())
    }
    return Promise.all(loops)
  }

  /** Resolves once fewer than `n` operations wait, or the queue is closed. */
  async below (n: number): Promise<void> {
    while (this.size >= n && !this.closed) await new Promise<void>(resolve => this.draining.push(resolve))
  }

  get isClosed (): boolean {
    return this.closed
  }

  close (): void {
    this.closed = true
    for (const w of this.waiters.splice(0)) w()
    for (const w of this.draining.splice(0)) w()
  }
}
