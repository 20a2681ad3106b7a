// Batching of LogPin/LogUnpin (upstream's batchWorker): operations wait in a bounded queue and
// are committed as one delta when max_batch_size of them are waiting or max_batch_age has
// passed since the first one. The caller is answered once its operation is queued.
import { BatchQueueFullError } from './errors.js'
import type { ConsensusLogger } from './interfaces.js'
import type { Op } from './crdt.js'

export interface BatcherInit {
  maxBatchSize: number
  /** ms */
  maxBatchAge: number
  maxQueueSize: number
  commit: (ops: Op[]) => Promise<unknown>
  logger: ConsensusLogger
}

export class Batcher {
  private readonly init: BatcherInit
  private queue: Op[] = []
  private timer?: NodeJS.Timeout
  /** commits run one after another, in queue order */
  private committing: Promise<void> = Promise.resolve()

  constructor (init: BatcherInit) {
    this.init = init
  }

  get pending (): number {
    return this.queue.length
  }

  /** Queues an operation; throws BatchQueueFullError when max_queue_size are waiting. */
  add (op: Op): void {
    if (this.queue.length >= this.init.maxQueueSize) throw new BatchQueueFullError()
    this.queue.push(op)
    if (this.queue.length >= this.init.maxBatchSize) {
      void this.flush()
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => { void this.flush() }, this.init.maxBatchAge)
    }
  }

  /** Commits everything queued so far, in batches of at most max_batch_size. */
  async flush (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.init.maxBatchSize)
      this.committing = this.committing.then(async () => {
        try {
          await this.init.commit(batch)
          this.init.logger.debug(`crdt: committed batch of ${batch.length} operations`)
        } catch (err) {
          this.init.logger.error(`crdt: committing batch of ${batch.length} operations: ${String(err)}`)
        }
      })
    }
    await this.committing
  }
}
