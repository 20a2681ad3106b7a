// Option parsing: chunker specs and hash names as kubo/boxo accept or refuse them
// (boxo chunker/parse.go messages; t0040: size-0 and rabin-12-512-1024 fail).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CHUNK_SIZE_LIMIT, parseChunkerSpec } from '../../src/adder/chunker.js'
import { hasherByName } from '../../src/adder/hashes.js'
import { importEntries } from '../../src/adder/importer.js'
import { dir, file, fileStream, fromArray, MemorySink, params } from './helpers.js'

describe('chunker specs', () => {
  it('parses size, rabin and its labelled form like boxo', () => {
    assert.deepEqual(parseChunkerSpec(''), { kind: 'size', size: 262144 })
    assert.deepEqual(parseChunkerSpec('size-1024'), { kind: 'size', size: 1024 })
    assert.deepEqual(parseChunkerSpec('rabin'), { kind: 'rabin', min: 87381, avg: 262144, max: 393216 })
    assert.deepEqual(parseChunkerSpec('rabin-1024'), { kind: 'rabin', min: 341, avg: 1024, max: 1536 })
    assert.deepEqual(parseChunkerSpec('rabin-36-512-1024'), { kind: 'rabin', min: 36, avg: 512, max: 1024 })
    assert.deepEqual(parseChunkerSpec('rabin-min:36-avg:512-max:1024'), { kind: 'rabin', min: 36, avg: 512, max: 1024 })
  })

  it('refuses bad specs with boxo messages', () => {
    const bad: Array<[string, RegExp]> = [
      ['size-0', /chunker size must be greater than 0/],
      ['size-abc', /invalid syntax/],
      [`size-${CHUNK_SIZE_LIMIT + 1}`, /may not exceed the maximum chunk size/],
      ['size-1-2', /expected size-\{size\}/],
      ['rabin-12-512-1024', /rabin min must be greater than 16/],
      ['rabin-600-512-1024', /rabin-min must be smaller than rabin-avg/],
      ['rabin-16-512-512', /rabin-avg must be smaller than rabin-max/],
      ['rabin-1-2', /incorrect format/],
      ['rabin-avg:1-min:2-max:3', /first label must be min/],
      ['buzhash', /unrecognized chunker option: buzhash/],
      ['fixed-10', /unrecognized chunker option/]
    ]
    for (const [spec, msg] of bad) {
      assert.throws(() => parseChunkerSpec(spec), (err: any) => err.name === 'InvalidArgumentError' && err.status === 400 && msg.test(err.message), spec)
    }
  })
})

describe('hash names', () => {
  it('knows the go-multihash names used with --hash', () => {
    assert.equal(hasherByName('sha2-256').code, 0x12)
    assert.equal(hasherByName('sha2-512').code, 0x13)
    assert.equal(hasherByName('sha3-512').code, 0x14)
    assert.equal(hasherByName('sha3-256').code, 0x16)
    assert.equal(hasherByName('blake2b-256').code, 0xb220)
    assert.equal(hasherByName('blake2s-256').code, 0xb260)
  })

  it('refuses unknown names as a bad argument', () => {
    assert.throws(() => hasherByName('md99'), { name: 'InvalidArgumentError', message: /hash function name not known: md99/ })
  })
})

describe('importEntries option errors', () => {
  it('fails before reading any entry on a bad chunker or hash', () => {
    let pulled = false
    async function * entries (): AsyncGenerator<any> { pulled = true; yield file('a', 'x') }
    assert.throws(() => importEntries(entries(), params({ chunker: 'size-0' }), new MemorySink()), { name: 'InvalidArgumentError' })
    assert.throws(() => importEntries(entries(), params({ hash: 'nope', cid_version: 1 }), new MemorySink()), { name: 'InvalidArgumentError' })
    assert.throws(() => importEntries(entries(), params({ hash: 'sha3-512', cid_version: 0 }), new MemorySink()), { message: /CIDv0 only supports sha2-256/ })
    assert.equal(pulled, false)
  })

  it('stops when the signal is aborted', async () => {
    const ac = new AbortController()
    ac.abort()
    const it = importEntries(fromArray([file('a', 'x')]), params(), new MemorySink(), { signal: ac.signal })
    await assert.rejects((async () => { for await (const _ of it) { /* nothing */ } })(), { name: 'AbortError' })
  })

  it('reports progress every 256 KiB and at the end of each file', async () => {
    const events: Array<[string, number]> = []
    async function * pieces (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 10; i++) yield new Uint8Array(60 * 1024)
    }
    const entries = fromArray([dir('d'), fileStream('d/big', pieces())])
    for await (const _ of importEntries(entries, params(), new MemorySink(), { onProgress: (n, b) => events.push([n, b]) })) { /* drain */ }
    assert.deepEqual(events, [['d/big', 300 * 1024], ['d/big', 600 * 1024], ['d/big', 600 * 1024]])
  })
})
