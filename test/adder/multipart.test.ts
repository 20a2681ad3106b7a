// The /add multipart parser on bodies written by hand in go-ipfs-files' MultiFileReader layout
// (boundary lines, Content-Disposition with url-escaped filename, Content-Type per kind).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseMultipart, ERR_MISSING_BOUNDARY, ERR_NOT_MULTIPART } from '../../src/adder/multipart.js'
import { importEntries } from '../../src/adder/importer.js'
import type { AddEntry } from '../../src/adder/types.js'
import { InvalidArgumentError } from '../../src/api/errors.js'
import { collectBytes, lines, MemorySink, params } from './helpers.js'

const badArgument = (err: unknown): boolean => err instanceof InvalidArgumentError

const B = 'e0b1d7c2f5a94e3c'
const CT = `multipart/form-data; boundary=${B}`

interface Part { name?: string, filename: string, type?: string, body?: string | Uint8Array, extra?: string, disposition?: string }

function body (parts: Part[], close = true): Buffer {
  const chunks: Buffer[] = []
  parts.forEach((p, i) => {
    chunks.push(Buffer.from(`${i === 0 ? '' : '\r\n'}--${B}\r\n`))
    if (p.extra != null) chunks.push(Buffer.from(p.extra))
    chunks.push(Buffer.from(`Content-Disposition: ${p.disposition ?? `form-data; name="${p.name ?? 'file'}"; filename="${p.filename}"`}\r\n`))
    chunks.push(Buffer.from(`Content-Type: ${p.type ?? 'application/octet-stream'}\r\n\r\n`))
    chunks.push(Buffer.from(p.body ?? ''))
  })
  if (close) chunks.push(Buffer.from(`\r\n--${B}--\r\n`))
  return Buffer.concat(chunks)
}

async function * pieces (buf: Uint8Array, size = buf.length): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, Math.min(buf.length, i + size))
}

interface Seen { path: string, type: string, content?: string, mode?: number, mtime?: unknown, abspath?: string }

async function parseAll (buf: Uint8Array, size?: number, ct = CT): Promise<Seen[]> {
  const out: Seen[] = []
  for await (const e of parseMultipart(pieces(buf, size), ct)) {
    const s: Seen = { path: e.path, type: e.type }
    if (e.content != null) s.content = (await collectBytes(e.content)).toString()
    if (e.mode != null) s.mode = e.mode
    if (e.mtime != null) s.mtime = e.mtime
    if (e.abspath != null) s.abspath = e.abspath
    out.push(s)
  }
  return out
}

const planets: Part[] = [
  { filename: 'planets', type: 'application/x-directory' },
  { filename: 'planets%2Fmars.txt', body: 'Hello Mars!\n' },
  { filename: 'planets%2Fvenus.txt', body: 'Hello Venus!\n' }
]

describe('multipart parser', () => {
  it('keeps content that looks like the start of a boundary, whatever the read sizes', async () => {
    // near misses of the delimiter, at the ends of reads too: a partial "\r\n--<boundary>"
    const tricky = `a\r\n--${B.slice(0, 5)}b\r\n-\r\r\n--${B.slice(0, -1)}X\r\n-${B}\r\n--${B.slice(0, 9)}`
    for (const size of [undefined, 1, 2, 5, 13, 17]) {
      const got = await parseAll(body([{ filename: 'f', body: tricky }]), size)
      assert.equal(got[0].content, tricky, `pieces of ${size ?? 'all'}`)
    }
  })

  it('parses a directory and its files, whatever the read sizes', async () => {
    const expected = [
      { path: 'planets', type: 'directory' },
      { path: 'planets/mars.txt', type: 'file', content: 'Hello Mars!\n' },
      { path: 'planets/venus.txt', type: 'file', content: 'Hello Venus!\n' }
    ]
    for (const size of [undefined, 1, 3, 7, 64]) {
      assert.deepEqual(await parseAll(body(planets), size), expected, `pieces of ${size ?? 'all'}`)
    }
  })

  it('feeds the importer: the planets body adds to kubo\'s planets CID [t0040]', async () => {
    const out = []
    for await (const o of importEntries(parseMultipart(pieces(body(planets), 5), CT), params(), new MemorySink())) out.push(o)
    assert.deepEqual(lines(out).slice(-1), ['added QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY planets'])
  })

  it('unescapes names like url.QueryUnescape, cleans them, and reads filename*', async () => {
    const seen = await parseAll(body([
      { filename: 'a%20b', type: 'application/x-directory' },
      { filename: 'a%20b%2Fc%2Bd+e.txt', body: 'x' },
      { filename: '%2F..%2Fa%20b%2F.%2Fbad%zzname', body: 'y' },
      { filename: '', disposition: 'form-data; name="file"; filename="ignored"; filename*=utf-8\'\'%E2%82%AC.txt', body: 'z' }
    ]))
    assert.deepEqual(seen.map(s => s.path), ['a b', 'a b/c+d e.txt', '%2F..%2Fa%20b%2F.%2Fbad%zzname', '€.txt'])
  })

  it('symlinks, empty files, empty directories, mode/mtime and abspath', async () => {
    const seen = await parseAll(body([
      { filename: 'd', type: 'application/x-directory' },
      { filename: 'd%2Flink', type: 'application/symlink', body: '../target' },
      { filename: 'd%2Fempty', body: '' },
      { filename: 'd%2Fsub', type: 'application/x-directory' },
      { name: 'file?mode=0755&mtime=1700000000&mtime-nsecs=5', filename: 'd%2Fx', body: 'x', extra: 'Abspath: /tmp/x\r\n' }
    ]))
    assert.deepEqual(seen, [
      { path: 'd', type: 'directory' },
      { path: 'd/link', type: 'symlink', content: '../target' },
      { path: 'd/empty', type: 'file', content: '' },
      { path: 'd/sub', type: 'directory' },
      { path: 'd/x', type: 'file', content: 'x', mode: 0o755, mtime: { secs: 1700000000, nsecs: 5 }, abspath: '/tmp/x' }
    ])
  })

  it('announces parents the client left out', async () => {
    const seen = await parseAll(body([{ filename: 'a%2Fb%2Fc.txt', body: 'c' }, { filename: 'a%2Fd.txt', body: 'd' }]))
    assert.deepEqual(seen.map(s => `${s.type} ${s.path}`), ['directory a', 'directory a/b', 'file a/b/c.txt', 'file a/d.txt'])
  })

  it('keeps content that looks like a boundary, and LF-only bodies', async () => {
    const tricky = `line\r\n--${B.slice(0, 8)}\r\n--${B}x-not-really`
    const seen = await parseAll(body([{ filename: 'f', body: tricky }]), 2)
    assert.equal(seen[0].content, tricky)
    const lf = Buffer.from(`--${B}\nContent-Disposition: form-data; name="file"; filename="f"\nContent-Type: application/octet-stream\n\nabc\n--${B}--\n`)
    assert.deepEqual(await parseAll(lf), [{ path: 'f', type: 'file', content: 'abc' }])
  })

  it('does not read the next part before the current content is consumed', async () => {
    const big = Buffer.alloc(50_000, 7)
    const buf = body([{ filename: 'big', body: big }, { filename: 'small', body: 's' }])
    let pulled = 0
    async function * counted (): AsyncGenerator<Uint8Array> {
      for await (const p of pieces(buf, 1000)) { pulled++; yield p }
    }
    const it = parseMultipart(counted(), CT)[Symbol.asyncIterator]()
    const first = (await it.next()).value as AddEntry
    assert.equal(first.path, 'big')
    assert.ok(pulled <= 2, `read ${pulled} pieces before the content was asked for`)
    const content = await collectBytes(first.content!)
    assert.equal(content.length, big.length)
    const second = (await it.next()).value as AddEntry
    assert.equal(second.path, 'small')
    assert.equal((await collectBytes(second.content!)).toString(), 's')
    assert.equal((await it.next()).done, true)
  })

  it('skips what the consumer did not read when the next entry is asked for', async () => {
    const buf = body([{ filename: 'a', body: 'aaaa' }, { filename: 'b', body: 'bbbb' }])
    const it = parseMultipart(pieces(buf, 3), CT)[Symbol.asyncIterator]()
    const a = (await it.next()).value as AddEntry
    for await (const _ of a.content!) break // read one piece, then give up
    const b = (await it.next()).value as AddEntry
    assert.equal(b.path, 'b')
    assert.equal((await collectBytes(b.content!)).toString(), 'bbbb')
  })

  it('refuses requests that are not multipart/form-data with Go\'s messages', () => {
    const empty = pieces(new Uint8Array(0))
    for (const ct of [undefined, '', 'application/json', 'multipart/mixed; boundary=x', 'text/plain; boundary=x', '%%%']) {
      assert.throws(() => parseMultipart(empty, ct), { name: 'InvalidArgumentError', message: ERR_NOT_MULTIPART }, String(ct))
    }
    assert.throws(() => parseMultipart(empty, 'multipart/form-data'), { message: ERR_MISSING_BOUNDARY })
    assert.throws(() => parseMultipart(empty, 'Multipart/Form-Data; charset=utf-8'), { message: ERR_MISSING_BOUNDARY })
    assert.doesNotThrow(() => parseMultipart(empty, `MULTIPART/FORM-DATA; BOUNDARY="${B}"`))
  })

  it('fails, never hangs, on truncated or malformed bodies', async () => {
    const full = body(planets)
    // cut inside the last file's content: the content read fails
    await assert.rejects(parseAll(full.subarray(0, full.length - 20)), { name: 'UnexpectedEOFError' })
    // cut inside a part's headers
    const cut = full.indexOf('Content-Type', full.indexOf('mars'))
    await assert.rejects(parseAll(full.subarray(0, cut)), badArgument)
    // no closing boundary at all after the last part
    await assert.rejects(parseAll(body(planets, false)), badArgument)
    // an empty body, and garbage without any boundary
    await assert.rejects(parseAll(new Uint8Array(0)), { message: /NextPart: EOF/ })
    await assert.rejects(parseAll(Buffer.from('hello\r\nworld\r\n')), { message: /NextPart: EOF/ })
    // a header line without a colon
    await assert.rejects(parseAll(Buffer.from(`--${B}\r\nnot a header\r\n\r\nx\r\n--${B}--\r\n`)), { message: /malformed MIME header/ })
    // a part with a bad Content-Type
    await assert.rejects(parseAll(body([{ filename: 'x', type: '/bad/' }])), { name: 'MultipartError' })
  })

  it('enforces maxParts', async () => {
    const it = parseMultipart(pieces(body(planets)), CT, { maxParts: 2 })
    await assert.rejects((async () => { for await (const e of it) if (e.content != null) await collectBytes(e.content) })(), { message: /more than 2 parts/ })
  })

  it('an empty multipart body gives no entries', async () => {
    assert.deepEqual(await parseAll(Buffer.from(`--${B}--\r\n`)), [])
  })
})
