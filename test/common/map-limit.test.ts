// mapLimit: bounded concurrency, results in order, and after a failure nothing new starts and
// what runs settles before the failure is thrown (the erasure add undoes its committed pins).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { mapLimit } from '../../src/common/map-limit.js'

test('mapLimit runs at most `limit` at once and returns the results in order', async () => {
  let running = 0
  let peak = 0
  const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async n => {
    peak = Math.max(peak, ++running)
    for (let i = 0; i < n; i++) await nextTurn()
    running--
    return n * 10
  })
  assert.deepEqual(out, [50, 10, 40, 20, 30, 0])
  assert.equal(peak, 2)
  assert.deepEqual(await mapLimit([], 3, async () => 1), [])
})

test('mapLimit starts nothing after a failure and lets the running calls settle before it throws', async () => {
  const started: number[] = []
  const settled: number[] = []
  await assert.rejects(mapLimit([0, 1, 2, 3, 4, 5], 3, async n => {
    started.push(n)
    if (n === 1) throw new Error('item 1 failed')
    await nextTurn()
    await nextTurn()
    settled.push(n)
  }), /item 1 failed/)
  assert.deepEqual(started, [0, 1, 2], 'nothing started after item 1 failed')
  assert.deepEqual(settled.sort(), [0, 2], 'every started call settled before the rejection')
})
