// ExchangePacing on its own clock: the wait doubles while exchanges teach nothing, up to its
// bound, and falls back to the shortest one when a peer comes or goes or an exchange learns.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ExchangePacing } from '../../src/host/exchange-pacing.js'

test('an exchange that teaches nothing doubles the wait, up to the bound', () => {
  const p = new ExchangePacing(5, 40, 0)
  assert.equal(p.due(0), true, 'the first exchange is due at once')
  const waits: number[] = []
  let now = 0
  for (let i = 0; i < 6; i++) {
    p.done(now, false)
    waits.push(p.currentWaitMs)
    assert.equal(p.due(now + p.currentWaitMs - 1), false)
    now += p.currentWaitMs
    assert.equal(p.due(now), true)
  }
  assert.deepEqual(waits, [10, 20, 40, 40, 40, 40])
})

test('learning something, or a peer coming or going, brings the shortest wait back', () => {
  const p = new ExchangePacing(5, 40, 0)
  for (let now = 0; now < 100; now += 10) p.done(now, false)
  assert.equal(p.currentWaitMs, 40)
  p.done(100, true)
  assert.equal(p.currentWaitMs, 5)
  assert.equal(p.due(104), false)
  assert.equal(p.due(105), true)
  for (let now = 105; now < 300; now += 40) p.done(now, false)
  assert.equal(p.due(300), false)
  p.changed(300)
  assert.equal(p.due(300), true, 'a connection or disconnection makes the next exchange due')
  p.done(301, false)
  assert.equal(p.currentWaitMs, 10, 'and the doubling starts again from the shortest wait')
})
