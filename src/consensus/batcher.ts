// Batching of LogPin/LogUnpin (upstream's batchWorker), and group commit when batching is off.
// With batching on, operations wait in a bounded queue and are committed as one delta when
// max_batch_size of them are waiting or max_batch_age has passed since the first one. With it
// off, operations that arrive while a commit runs are committed together by the next one: no
// added latency, and thousands of concurrent requests still become a few deltas.
// Unlike upstream, a caller is answered once its operation is committed, so a failed commit is
// reported to every request of its batch instead of only logged.
import { BatchQueueFullError, ConsensusClosedError } from './errors.js'
import type { ConsensusLogger } from './interfaces.js'
import type { Op } from './crdt.js'

/** Operations per delta chain of a group commit (the delta itself is split at 1 MiB). */
export const GROUP_COMMIT_MAX = 2000

export interface BatcherInit {
  /** operations per batch; 0 = group commit (batching off) */
  maxBatchSize: number
  /** ms; 0 = group commit (batching off) */
  maxBatchAge: number
  maxQueueSize: number
  commit: (ops: Op[]) => Promise<unknown>
  logger: ConsensusLogger
}

interface Item {
  op: Op
  resolve: () => void
  reject: (err: unknown) => void
}

export class Batcher {
  private readonly init: BatcherInit
  private readonly grouping: boolean
  private readonly size: number
  /** the open batch (age mode) or everything waiting (group mode) */
  private queue: Item[] = []
  /** sealed batches, committed in order (age mode) */
  private readonly ready: Item[][] = []
  private waiting = 0
  private timer?: NodeJS.Timeout
  private draining?: Promise<void>
  private closed = false

  constructor (init: BatcherInit) {
    this.init = init
    this.grouping = !(init.maxBatchSize > 0 && init.maxBatchAge > 0)
    this.size = this.grouping ? (init.maxBatchSize > 0 ? init.maxBatchSize : GROUP_COMMIT_MAX) : init.maxBatchSize
  }

  /** Operations queued and not committed yet. */
  get pending (): number {
    return this.waiting
  }

  /**
   * Queues an operation; resolves once the batch holding it is committed, rejects with the
   * commit's error, or at once with BatchQueueFullError when max_queue_size are waiting.
   */
  async add (op: Op): Promise<void> {
    if (this.closed) throw new ConsensusClosedError()
    if (this.waiting >= this.init.maxQueueSize) throw new BatchQueueFullError()
    const done = new Promise<void>((resolve, reject) => { this.queue.push({ op, resolve, reject }) })
    this.waiting++
    if (this.grouping) {
      this.drain()
    } else if (this.queue.length >= this.size) {
      this.seal()
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => { this.timer = undefined; this.seal() }, this.init.maxBatchAge)
    }
    await done
  }

  private seal (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    while (this.queue.length > 0) this.ready.push(this.queue.splice(0, this.size))
    this.drain()
  }

  private next (): Item[] | undefined {
    if (this.ready.length > 0) return this.ready.shift()
    if (this.grouping && this.queue.length > 0) return this.queue.splice(0, this.size)
    return undefined
  }

  private drain (): void {
    if (this.draining !== undefined) return
    if (this.ready.length === 0 && !(this.grouping && this.queue.length > 0)) return
    this.draining = this.run()
  }

  /** Commits batches until none is ready; starts only with one ready (so it always awaits). */
  private async run (): Promise<void> {
    try {
      for (let batch = this.next(); batch !== undefined; batch = this.next()) {
        try {
          await this.init.commit(batch.map(i => i.op))
          this.init.logger.debug(`crdt: committed batch of ${batch.length} operations`)
          for (const i of batch) i.resolve()
        } catch (err) {
          this.init.logger.error(`crdt: committing batch of ${batch.length} operations: ${String(err)}`)
          for (const i of batch) i.reject(err)
        } finally {
          this.waiting -= batch.length
        }
      }
    } finally {
      this.draining = undefined
    }
  }

  /** Commits everything queued so far. */
  async flush (): Promise<void> {
    this.seal()
    while (this.draining !== undefined) await this.draining
  }

  /** Commits what is queued; later operations are refused. */
  async close (): Promise<void> {
    this.closed = true
    await this.flush()
  }
}
