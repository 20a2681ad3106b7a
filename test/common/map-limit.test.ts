// mapLimit and eachLimit: bounded concurrency (results in order; a stream read only as calls
// finish), and after a failure nothing new starts and what runs settles before the failure is
// thrown (the erasure add undoes its committed pins).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { eachLimit, mapLimit } from '../../src/common/map-limit.js'

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

/** A call that fails for item 1 and takes two turns of the event loop for the others, recording which started and settled. */
function failingOnItem1 (): { call: (n: number) => Promise<void>, started: number[], settled: number[] } {
  const started: number[] = []
  const settled: number[] = []
  const call = async (n: number): Promise<void> => {
    started.push(n)
    if (n === 1) throw new Error('item 1 failed')
    await nextTurn()
    await nextTurn()
    settled.push(n)
  }
  return { call, started, settled }
}

test('mapLimit starts nothing after a failure and lets the running calls settle before it throws', async () => {
  const { call, started, settled } = failingOnItem1()
  await assert.rejects(mapLimit([0, 1, 2, 3, 4, 5], 3, call), /item 1 failed/)
  assert.deepEqual(started, [0, 1, 2], 'nothing started after item 1 failed')
  assert.deepEqual(settled.sort(), [0, 2], 'every started call settled before the rejection')
})

test('eachLimit reads the stream only as calls finish, at most `limit` at once', async () => {
  let read = 0
  let running = 0
  let peak = 0
  let aheadOfCalls = 0
  async function * source (): AsyncGenerator<number> {
    for (let i = 0; i < 20; i++) {
      read++
      aheadOfCalls = Math.max(aheadOfCalls, read - done)
      yield i
    }
  }
  let done = 0
  const seen: number[] = []
  await eachLimit(source(), 3, async n => {
    peak = Math.max(peak, ++running)
    for (let i = 0; i < n % 4; i++) await nextTurn()
    seen.push(n)
    running--
    done++
  })
  assert.equal(peak, 3)
  assert.ok(aheadOfCalls <= 4, `read ${aheadOfCalls} items ahead of the finished calls`)
  assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i))
})

test('eachLimit: a failed call closes the stream, the running calls settle, then it throws', async () => {
  let closed = false
  let read = 0
  async function * source (): AsyncGenerator<number> {
    try {
      for (let i = 0; i < 100; i++) { read++; yield i }
    } finally {
      closed = true
    }
  }
  const { call, started, settled } = failingOnItem1()
  await assert.rejects(eachLimit(source(), 3, call), /item 1 failed/)
  assert.ok(closed, 'the source was closed')
  assert.ok(read < 10, `read ${read} items`)
  assert.deepEqual(settled.sort(), started.filter(n => n !== 1).sort(), 'every started call but the failed one settled')
  assert.ok(started.length <= 4, `started ${started.length}`)
})

test('eachLimit: a failing stream still lets the running calls settle before it throws', async () => {
  async function * source (): AsyncGenerator<number> {
    yield 0
    yield 1
    throw new Error('walk failed')
  }
  const settled: number[] = []
  await assert.rejects(eachLimit(source(), 5, async n => {
    await nextTurn()
    settled.push(n)
  }), /walk failed/)
  assert.deepEqual(settled.sort(), [0, 1])
})
