// Reads imported DAGs back with ipfs-unixfs-exporter: every layout, leaf kind and chunker must
// produce a DAG that yields the original bytes (complements the CID fixtures, which cannot
// cover every combination: kubo publishes no multi-chunk trickle or rabin CID we can regenerate).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { exporter } from 'ipfs-unixfs-exporter'
import { CID } from 'multiformats/cid'
import { collectBytes, deterministic, dir, file, fileStream, importAll, MemorySink } from './helpers.js'

function blockstoreOf (sink: MemorySink): any {
  return {
    get (cid: CID) {
      const bytes = sink.blocks.get(cid.toString())
      if (bytes == null) throw new Error(`missing block ${cid.toString()}`)
      return (async function * () { yield bytes })()
    }
  }
}

async function readBack (sink: MemorySink, cid: string): Promise<Buffer> {
  const entry = await exporter(CID.parse(cid), blockstoreOf(sink))
  if (entry.type !== 'file' && entry.type !== 'raw') throw new Error(`not a file: ${entry.type}`)
  return await collectBytes(entry.content())
}

describe('imported DAGs read back with the unixfs exporter', () => {
  const size = 700 * 1024 + 123
  const combos: Array<Record<string, unknown>> = []
  for (const layout of ['balanced', 'trickle']) {
    for (const rawLeaves of [false, true]) {
      for (const chunker of ['size-1000', 'rabin-64-256-1024', 'size-262144']) {
        combos.push({ layout, raw_leaves: rawLeaves, raw_leaves_set: true, chunker })
      }
    }
  }
  combos.push({ hash: 'sha3-512', cid_version: 1, raw_leaves: true, layout: 'trickle', chunker: 'size-4096' })

  for (const opts of combos) {
    it(JSON.stringify(opts), async () => {
      const expected = await collectBytes(deterministic(size, 'roundtrip'))
      const sink = new MemorySink()
      const [out] = await importAll([fileStream('f', deterministic(size, 'roundtrip', 10_000))], opts, sink)
      const back = await readBack(sink, out.cid)
      assert.equal(back.length, expected.length)
      assert.ok(back.equals(expected))
    })
  }

  it('trickle DAGs have leaves at varying depths, balanced ones at one depth', async () => {
    const depths = async (layout: 'balanced' | 'trickle'): Promise<Set<number>> => {
      const sink = new MemorySink()
      const [out] = await importAll([fileStream('f', deterministic(400 * 1024, 'depths'))], { layout, chunker: 'size-1024' }, sink)
      const seen = new Set<number>()
      const walk = async (cid: CID, d: number): Promise<void> => {
        const { decode } = await import('@ipld/dag-pb')
        const node = decode(sink.blocks.get(cid.toString())!)
        if (node.Links.length === 0) { seen.add(d); return }
        for (const l of node.Links) await walk(l.Hash, d + 1)
      }
      await walk(CID.parse(out.cid), 0)
      return seen
    }
    assert.equal((await depths('balanced')).size, 1)
    assert.ok((await depths('trickle')).size > 1)
  })

  it('a directory read back lists its entries', async () => {
    const sink = new MemorySink()
    const out = await importAll([dir('d'), file('d/a', 'A'), dir('d/s'), file('d/s/b', 'B')], {}, sink)
    const root = await exporter(CID.parse(out[out.length - 1].cid), blockstoreOf(sink))
    assert.equal(root.type, 'directory')
    const names: string[] = []
    if (root.type === 'directory') for await (const e of root.entries()) names.push(e.name)
    assert.deepEqual(names.sort(), ['a', 's'])
  })
})
