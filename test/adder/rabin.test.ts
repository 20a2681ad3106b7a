// The rabin chunker. Kubo's CIDs for rabin on a one-chunk file are pinned in importer-files;
// here: chunk lengths that github.com/whyrusleeping/chunker (the library behind boxo's rabin
// splitter, run with boxo's polynomial 17437180132763653 and fnv32a) cut on kubo's deterministic
// test data, the cut rules of its chunks2 vector (zero bytes cut exactly at the minimum size,
// since the fingerprint of a window of zeros is 0), the size bounds, and independence from how
// the input is split.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rabinChunks } from '../../src/adder/rabin.js'
import { deterministic } from './helpers.js'

async function sizes (src: AsyncIterable<Uint8Array>, min: number, avg: number, max: number): Promise<number[]> {
  const out: number[] = []
  for await (const c of rabinChunks(src, min, avg, max)) out.push(c.byteLength)
  return out
}

async function * zeros (n: number, piece = 65536): AsyncGenerator<Uint8Array> {
  for (let left = n; left > 0; left -= piece) yield new Uint8Array(Math.min(piece, left))
}

describe('rabin chunker', () => {
  it('cuts where the go chunker cuts, kubo default "rabin" (87381/262144/393216)', async () => {
    assert.deepEqual(await sizes(deterministic(3 << 20, 'rabin-kubo-default', 7777), 87381, 262144, 393216),
      [393216, 393216, 393216, 268001, 393216, 245733, 289324, 281119, 146337, 221230, 121120])
  })

  it('cuts where the go chunker cuts, "rabin-36-512-1024"', async () => {
    assert.deepEqual(await sizes(deterministic(16384, 'rabin-36-512-1024', 1000), 36, 512, 1024), [
      961, 511, 553, 379, 1024, 185, 644, 575, 126, 146, 516, 769, 316, 1024, 134, 40, 622, 393, 738,
      90, 308, 423, 303, 190, 1024, 638, 84, 142, 1024, 50, 316, 173, 110, 947, 314, 358, 234
    ])
  })

  it('cuts runs of zero bytes at exactly the minimum size (chunker_test chunks2)', async () => {
    const min = Math.floor(262144 / 3)
    assert.deepEqual(await sizes(zeros(4 * min), min, 262144, 393216), [min, min, min, min])
  })

  it('keeps every chunk within [min, max], only the last may be shorter', async () => {
    const s = await sizes(deterministic(4 << 20, 'rabin-bounds'), 1024, 4096, 8192)
    assert.equal(s.reduce((a, b) => a + b, 0), 4 << 20)
    for (const [i, n] of s.entries()) {
      assert.ok(n <= 8192, `chunk ${i} is ${n}`)
      if (i < s.length - 1) assert.ok(n >= 1024, `chunk ${i} is ${n}`)
    }
    // content-defined: most cuts come from the fingerprint, not from the max size
    assert.ok(s.filter(n => n === 8192).length < s.length / 4)
  })

  it('gives the same chunks whatever the input piece sizes', async () => {
    const a = await sizes(deterministic(1 << 20, 'rabin-split', 1 << 20), 512, 2048, 4096)
    const b = await sizes(deterministic(1 << 20, 'rabin-split', 777), 512, 2048, 4096)
    assert.deepEqual(a, b)
  })

  it('a change early in the input leaves later cut points in place', async () => {
    const data = Buffer.concat(await (async () => { const p = []; for await (const c of deterministic(256 * 1024, 'rabin-shift')) p.push(c); return p })())
    const edited = Buffer.concat([Buffer.from('a few inserted bytes'), data])
    const ends = async (buf: Buffer): Promise<Set<number>> => {
      const out = new Set<number>()
      let pos = 0
      for (const n of await sizes((async function * () { yield buf })(), 256, 1024, 4096)) out.add(buf.length - (pos += n))
      return out
    }
    const before = await ends(data)
    const after = await ends(edited)
    const shared = [...before].filter(x => after.has(x)).length
    assert.ok(shared > before.size * 0.8, `${shared} of ${before.size} cut points survive`)
  })

  it('yields nothing for empty input', async () => {
    assert.deepEqual(await sizes(zeros(0), 16, 32, 64), [])
  })
})
