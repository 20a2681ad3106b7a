// The tracker's operation queue: priority lane first, first in first out within a lane (across
// the compaction of taken slots), a bound on waiting operations, cancelled operations dropped.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { OperationQueue, QueueFullError } from '../../src/pintracker/queue.js'
import type { Operation } from '../../src/pintracker/operation.js'

function op (n: number, priority = false, cancelled = false): Operation {
  return { n, priority, cancelled } as unknown as Operation
}

describe('OperationQueue', () => {
  it('runs priority operations first, then the rest in arrival order, 5,000 deep', async () => {
    const q = new OperationQueue('pin', 10_000)
    for (let i = 0; i < 5000; i++) q.push(op(i, i % 1000 === 999))
    q.push(op(-1, false, true))
    assert.equal(q.size, 5001)
    const seen: number[] = []
    const done = q.run(1, async o => {
      seen.push((o as unknown as { n: number }).n)
      if (seen.length === 5000) q.close()
    })
    await done
    const prio = [999, 1999, 2999, 3999, 4999]
    assert.deepEqual(seen.slice(0, 5), prio)
    assert.deepEqual(seen.slice(5), Array.from({ length: 5000 }, (_, i) => i).filter(i => !prio.includes(i)))
    assert.equal(q.size, 1, 'the cancelled one is still waiting: nobody took it')
  })

  it('refuses operations beyond its bound', () => {
    const q = new OperationQueue('pin', 2)
    q.push(op(1))
    q.push(op(2))
    assert.throws(() => { q.push(op(3)) }, QueueFullError)
  })

  it('wakes an idle worker for a new operation and skips cancelled ones', async () => {
    const q = new OperationQueue('unpin', 10)
    const seen: number[] = []
    const done = q.run(2, async o => {
      seen.push((o as unknown as { n: number }).n)
      if (seen.length === 2) q.close()
    })
    await new Promise(resolve => setImmediate(resolve))
    q.push(op(1, false, true))
    q.push(op(2))
    q.push(op(3))
    await done
    assert.deepEqual(seen.sort(), [2, 3])
  })
})
