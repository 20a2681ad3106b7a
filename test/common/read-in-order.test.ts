// readInOrder: results in the list's order whatever order the reads finish in, never more than
// `ahead` reads started beyond the result the consumer holds, a failed read thrown at its turn.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { readInOrder } from '../../src/common/read-in-order.js'

describe('readInOrder', () => {
  for (const ahead of [0, 1, 4]) {
    it(`in order, at most ${ahead} read(s) started ahead of the consumer`, async () => {
      const items = Array.from({ length: 20 }, (_, i) => i)
      let started = 0
      const got: number[] = []
      for await (const r of readInOrder(items, async i => {
        started++
        await sleep((20 - i) % 7) // later reads often finish first
        return i * 10
      }, ahead)) {
        assert.ok(started <= got.length + 1 + ahead, `${started} reads started while the consumer holds result ${got.length}`)
        got.push(r)
        await sleep(2)
      }
      assert.deepEqual(got, items.map(i => i * 10))
      assert.equal(started, items.length)
    })
  }

  it('a failed read is thrown at its turn, after the results before it', async () => {
    const got: number[] = []
    await assert.rejects((async () => {
      for await (const r of readInOrder([1, 2, 3, 4], async i => {
        if (i === 3) throw new Error('read 3 failed')
        await sleep(5)
        return i
      }, 3)) got.push(r)
    })(), /read 3 failed/)
    assert.deepEqual(got, [1, 2])
  })

  it('a consumer that stops early leaves the reads it started behind without an unhandled rejection', async () => {
    let unhandled = 0
    const count = (): void => { unhandled++ }
    process.on('unhandledRejection', count)
    try {
      for await (const r of readInOrder([1, 2, 3, 4, 5], async i => {
        await sleep(5)
        if (i > 1) throw new Error(`read ${i} failed`)
        return i
      }, 3)) {
        assert.equal(r, 1)
        break
      }
      await sleep(30)
      assert.equal(unhandled, 0)
    } finally {
      process.off('unhandledRejection', count)
    }
  })
})
