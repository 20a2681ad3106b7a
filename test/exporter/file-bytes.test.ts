// fileBytes against files our importer builds: every layout and leaf kind, whole and by range,
// with the bounded read-ahead a proxy cat relies on (a client slower than the disk must not
// make the daemon hold the file).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { sha256 } from 'multiformats/hashes/sha2'
import { FileDagError, fileBytes } from '../../src/exporter/file-bytes.js'
import type { BlockReader } from '../../src/exporter/file-bytes.js'
import type { AddParams } from '../../src/api/params.js'
import { MemorySink, file, importAll } from '../adder/helpers.js'

/** A reader over the sink's blocks that counts what it was asked for. */
function readerOf (sink: MemorySink, prefetch?: number): BlockReader & { asked: number } {
  const reader = {
    asked: 0,
    prefetch,
    async block (cid: CID): Promise<Uint8Array> {
      reader.asked++
      const bytes = sink.blocks.get(cid.toString())
      if (bytes == null) throw new Error(`no block ${cid.toString()}`)
      return bytes
    }
  }
  return reader
}

async function collect (it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const p of it) parts.push(Uint8Array.from(p))
  return Buffer.concat(parts)
}

async function imported (content: Uint8Array, over: Partial<AddParams>): Promise<{ sink: MemorySink, cid: CID }> {
  const sink = new MemorySink()
  const out = await importAll([file('f', content)], over, sink)
  return { sink, cid: CID.parse(out[out.length - 1].cid) }
}

describe('fileBytes', () => {
  const content = randomBytes(300_000 + 7)
  const shapes: Array<[string, Partial<AddParams>]> = [
    ['balanced, dag-pb leaves (CIDv0)', { chunker: 'size-1000' }],
    ['balanced, raw leaves', { chunker: 'size-1000', raw_leaves: true, raw_leaves_set: true, cid_version: 1 }],
    ['trickle (data on inner nodes)', { chunker: 'size-1000', layout: 'trickle' }],
    ['one raw block', { chunker: 'size-1048576', raw_leaves: true, raw_leaves_set: true, cid_version: 1 }]
  ]
  for (const [name, over] of shapes) {
    it(`${name}: the whole file and any range of it`, async () => {
      const { sink, cid } = await imported(content, over)
      assert.deepEqual(await collect(fileBytes(cid, readerOf(sink, 4))), content)
      for (const [offset, length] of [[0, 1], [999, 2], [1000, 1000], [12_345, 100_000], [299_999, 100], [content.length, 10], [5, 0]]) {
        const got = await collect(fileBytes(cid, readerOf(sink, 4), { offset, length }))
        assert.deepEqual(got, content.subarray(offset, offset + length), `offset ${offset} length ${length}`)
      }
      assert.deepEqual(await collect(fileBytes(cid, readerOf(sink), { offset: 250_000 })), content.subarray(250_000))
    })
  }

  it('a range reads only the blocks it covers', async () => {
    const { sink, cid } = await imported(content, { chunker: 'size-1000', raw_leaves: true, raw_leaves_set: true, cid_version: 1 })
    const reader = readerOf(sink)
    await collect(fileBytes(cid, reader, { offset: 10_500, length: 1000 }))
    // the root and any inner node on the way, then the two leaves the range spans
    assert.ok(reader.asked <= 5, `asked for ${reader.asked} blocks`)
  })

  it('asks for at most `prefetch` blocks beyond the one its reader holds', async () => {
    const { sink, cid } = await imported(content, { chunker: 'size-1000', raw_leaves: true, raw_leaves_set: true, cid_version: 1 })
    for (const prefetch of [0, 3]) {
      const reader = readerOf(sink, prefetch)
      const it = fileBytes(cid, reader)[Symbol.asyncIterator]()
      let taken = 0
      for (let r = await it.next(); r.done !== true; r = await it.next()) {
        taken++
        // let every asked-for read settle: a walk that ran ahead of its reader would ask on
        await new Promise(resolve => setImmediate(resolve))
        const inner = reader.asked - taken
        // inner nodes (the root, one level of 174-link nodes) are asked for besides the leaves
        assert.ok(inner <= prefetch + 3, `prefetch ${prefetch}: ${reader.asked} blocks asked for after ${taken} leaves taken`)
      }
      assert.equal(taken, Math.ceil(content.length / 1000))
    }
  })

  it('a node whose sizes disagree with its children is an error, not a short file', async () => {
    const leaf = new Uint8Array(100).fill(7)
    const leafCid = CID.createV1(0x55, await sha256.digest(leaf))
    const unixfs = new UnixFS({ type: 'file', blockSizes: [200n] })
    const root = dagPb.encode({ Data: unixfs.marshal(), Links: [{ Hash: leafCid, Tsize: 100 }] })
    const rootCid = CID.createV1(dagPb.code, await sha256.digest(root))
    const sink = new MemorySink()
    await sink.put(leafCid, leaf)
    await sink.put(rootCid, root)
    await assert.rejects(collect(fileBytes(rootCid, readerOf(sink))), FileDagError)
  })

  it('a directory is not a file', async () => {
    const dir = dagPb.encode({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: [] })
    const cid = CID.createV1(dagPb.code, await sha256.digest(dir))
    const sink = new MemorySink()
    await sink.put(cid, dir)
    await assert.rejects(collect(fileBytes(cid, readerOf(sink))), FileDagError)
  })
})
