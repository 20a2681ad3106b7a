import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ProgressBar, progressWanted } from '../../src/ctl/progress.js'

function ttyCapture (columns = 100): { stream: any, text: () => string } {
  let out = ''
  const stream = { isTTY: true, columns, write: (s: string) => { out += s; return true } }
  return { stream, text: () => out }
}

test('progress is only wanted on a TTY and not with --enc=json', () => {
  assert.equal(progressWanted('text', { isTTY: true }), true)
  assert.equal(progressWanted('json', { isTTY: true }), false)
  assert.equal(progressWanted('text', { isTTY: false }), false)
  assert.equal(progressWanted('text', {}), false)
})

test('bar rendering: bytes, total, percentage, rate, width', () => {
  const { stream } = ttyCapture(100)
  const bar = new ProgressBar({ total: 2_000_000, label: 'adding', stream, intervalMs: 0 })
  bar.set(1_000_000)
  const line = bar.render(Date.now() + 1000)
  assert.match(line, /^adding \[#+\.+\] 1\.0 MB \/ 2\.0 MB +50% +\d+(\.\d)? [kM]B\/s$/)
  assert.ok(line.length <= 99)
  const narrow = new ProgressBar({ total: 10, stream: ttyCapture(40).stream })
  assert.ok(narrow.render().length <= 60)
  const unknown = new ProgressBar({ stream })
  unknown.set(1500)
  assert.match(unknown.render(), /^1\.5 kB {2}\S+ \S*B\/s$/)
})

test('drawing: redraw in place, suspend, finish with a newline, autoFinish', () => {
  const cap = ttyCapture()
  const bar = new ProgressBar({ total: 100, stream: cap.stream, intervalMs: 0, autoFinish: true })
  bar.add(40)
  assert.ok(cap.text().startsWith('\r\x1b[2K['))
  bar.suspend()
  assert.ok(cap.text().endsWith('\r\x1b[2K'))
  bar.add(60) // reaches the total: final draw and newline
  assert.ok(cap.text().endsWith('\n'))
  assert.match(cap.text(), /100 B \/ 100 B 100%/)
  const before = cap.text()
  bar.add(5)
  bar.finish()
  assert.equal(cap.text(), before, 'nothing after finish')
  // a bar that never drew leaves no trace when finished quickly
  const quiet = ttyCapture()
  const q = new ProgressBar({ total: 10, stream: quiet.stream, intervalMs: 10_000 })
  q.finish()
  assert.equal(quiet.text(), '')
})
