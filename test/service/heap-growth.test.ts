// The daemon's V8 heap growing factor (src/service/heap-growth.ts): set to 100% unless the
// node command line already gives one, which is left as the operator set it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { HEAP_GROWING_PERCENT, setHeapGrowth } from '../../src/service/heap-growth.js'

test('the growing factor is set, unless the command line gives its own', () => {
  assert.equal(HEAP_GROWING_PERCENT, 100)
  assert.equal(setHeapGrowth(['--heap-growing-percent=50']), undefined)
  assert.equal(setHeapGrowth(['--inspect', '--heap_growing_percent=30']), undefined)
  assert.equal(setHeapGrowth(['--inspect']), 100)
})
