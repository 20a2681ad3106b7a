// Http1ResponseReader on its own: the body comes out whole and in order however the bytes are
// split (one at a time, at random), by each framing; bad framing is an error.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Http1ResponseReader } from '../../src/ctl/client/http1-response.js'

function chunked (body: Uint8Array, sizes: number[], trailers: string): Buffer {
  const parts: Buffer[] = []
  let at = 0
  for (let i = 0; at < body.byteLength; i++) {
    const n = Math.min(sizes[i % sizes.length], body.byteLength - at)
    parts.push(Buffer.from(`${n.toString(16)};ext=1\r\n`), Buffer.from(body.subarray(at, at + n)), Buffer.from('\r\n'))
    at += n
  }
  parts.push(Buffer.from(`0\r\n${trailers}\r\n`))
  return Buffer.concat(parts)
}

/** Feeds `wire` cut at `cuts`; returns the body and the reader. */
function read (wire: Uint8Array, cuts: number[], end = false): { body: Buffer, reader: Http1ResponseReader } {
  const reader = new Http1ResponseReader()
  const out: Uint8Array[] = []
  let at = 0
  for (const cut of [...cuts, wire.byteLength]) {
    for (const piece of reader.push(wire.subarray(at, cut))) {
      assert.equal(piece.buffer, wire.buffer, 'a body piece is a view of the input, not a copy')
      out.push(Buffer.from(piece))
    }
    at = cut
  }
  if (end) reader.end()
  return { body: Buffer.concat(out), reader }
}

const body = randomBytes(300_000)
const head = 'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\nTrailer: X-Stream-Error\r\nX-Ec-Kind: file\r\nX-Ec-Kind: again\r\n\r\n'
const wire = Buffer.concat([Buffer.from(head), chunked(body, [65536, 7, 1, 100_000], 'X-Stream-Error: \r\nX-EC-Repair: {"lost":[]}\r\n')])

test('chunked: the body, headers and trailers, whether read at once, a byte at a time or cut at random', () => {
  const everyByte = Array.from({ length: wire.byteLength - 1 }, (_, i) => i + 1)
  const random = [...new Set(Array.from({ length: 200 }, () => Math.floor(Math.random() * wire.byteLength)))].sort((a, b) => a - b)
  for (const cuts of [[], everyByte, random]) {
    const { body: got, reader } = read(wire, cuts)
    assert.ok(got.equals(body))
    assert.equal(reader.complete, true)
    assert.equal(reader.head?.status, 200)
    assert.equal(reader.head?.headers['x-ec-kind'], 'file, again')
    assert.deepEqual(reader.trailers, [['X-Stream-Error', ''], ['X-EC-Repair', '{"lost":[]}']])
  }
})

test('a chunked body cut short is not complete', () => {
  const { body: got, reader } = read(wire.subarray(0, wire.byteLength - 40), [1000], true)
  assert.equal(reader.complete, false)
  assert.ok(got.equals(body.subarray(0, got.byteLength)))
})

test('Content-Length, an end of connection and an interim 100 frame the body too', () => {
  const small = randomBytes(5000)
  const sized = Buffer.concat([Buffer.from(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: ${small.byteLength}\r\n\r\n`), small, Buffer.from('ignored')])
  const a = read(sized, [10, 30, 60])
  assert.equal(a.reader.head?.status, 404)
  assert.ok(a.body.equals(small))
  assert.equal(a.reader.complete, true)

  const closing = Buffer.concat([Buffer.from('HTTP/1.0 200 OK\r\n\r\n'), small])
  const b = read(closing, [5, 100])
  assert.equal(b.reader.complete, false, 'not complete before the connection ended')
  b.reader.end()
  assert.equal(b.reader.complete, true)
  assert.ok(b.body.equals(small))
})

test('bad framing is an error, never a silent short body', () => {
  assert.throws(() => read(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), []), /bad chunk size/)
  assert.throws(() => read(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n'), []), /longer than its size/)
  assert.throws(() => read(Buffer.from('SMTP ready\r\n\r\n'), []), /bad status line/)
  assert.throws(() => read(Buffer.from('HTTP/1.1 200 OK\r\nX-Big: ' + 'a'.repeat(70_000)), []), /oversized/)
})
