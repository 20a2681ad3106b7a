// The daemon's V8 heap growing factor (src/service/heap-growth.ts): 100% while the heap that
// survives a full collection is small, V8's own factor once it is large, chosen again after
// every full collection; nothing when the node command line gives its own.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { HEAP_GROWING_PERCENT, SMALL_HEAP_BYTES, growingPercentFor, setHeapGrowth } from '../../src/service/heap-growth.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** resolves after the next turns of the event loop: gc performance entries are delivered then */
async function entriesDelivered (): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise(resolve => setTimeout(resolve, 20))
}

test('100% below the small-heap bound, V8\'s own factor (0) from it', () => {
  assert.equal(growingPercentFor(35 * 1024 * 1024), HEAP_GROWING_PERCENT)
  assert.equal(growingPercentFor(SMALL_HEAP_BYTES - 1), HEAP_GROWING_PERCENT)
  assert.equal(growingPercentFor(SMALL_HEAP_BYTES), 0)
  assert.equal(growingPercentFor(600 * 1024 * 1024), 0)
})

test('the command line\'s own factor is left as given', () => {
  assert.equal(setHeapGrowth(['--heap-growing-percent=50']), undefined)
  assert.equal(setHeapGrowth(['--inspect', '--heap_growing_percent=30']), undefined)
})

test('the factor follows the live heap after each full collection', async () => {
  const growth = setHeapGrowth(['--inspect'])
  assert.ok(growth != null)
  try {
    gc()
    await entriesDelivered()
    assert.equal(growth.percent, HEAP_GROWING_PERCENT, 'a test process heap is small')
    // a live heap past the bound: the next full collection hands the factor back to V8
    const held: string[][] = []
    while (process.memoryUsage().heapUsed < SMALL_HEAP_BYTES + 16 * 1024 * 1024) held.push(Array.from({ length: 4096 }, (_, i) => `${held.length}:${i}`))
    gc()
    await entriesDelivered()
    assert.equal(growth.percent, 0)
    held.length = 0
    gc()
    await entriesDelivered()
    assert.equal(growth.percent, HEAP_GROWING_PERCENT)
  } finally {
    growth.stop()
  }
})
