// The embedded node's pin index (src/ipfs/embedded/pinset.ts) on a real LevelDB: which blocks a
// pin reaches, blocks shared by two pins or repeated in one DAG, a pin that gets shallower, a
// walk that fails, a DAG with more blocks than one write batch takes, and dag-pb leaves that a
// walk tells from their first bytes instead of reading them whole.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as dagPb from '@ipld/dag-pb'
import { sha256 } from 'multiformats/hashes/sha2'
import { LevelStore } from '../../src/datastore/level-store.js'
import { Pinset, isDataOnlyDagPb } from '../../src/ipfs/embedded/pinset.js'
import type { BlockSource } from '../../src/ipfs/embedded/pinset.js'

/** Blocks held in memory; `get` of a missing block fails as a fetch that finds nobody does. */
class MemoryBlocks implements BlockSource {
  readonly blocks = new Map<string, Uint8Array>()
  async get (cid: CID): Promise<Uint8Array> {
    const b = this.blocks.get(cid.toString())
    if (b === undefined) throw new Error(`block ${cid.toString()} not found`)
    return b
  }

  async has (cid: CID): Promise<boolean> {
    return this.blocks.has(cid.toString())
  }

  async leaf (text: string): Promise<CID> {
    const bytes = new TextEncoder().encode(text)
    const cid = CID.create(1, raw.code, await sha256.digest(bytes))
    this.blocks.set(cid.toString(), bytes)
    return cid
  }

  async node (links: CID[]): Promise<CID> {
    const bytes = dagPb.encode(dagPb.prepare({ Links: links.map(l => ({ Hash: l, Tsize: 1 })) }))
    const cid = CID.create(1, dagPb.code, await sha256.digest(bytes))
    this.blocks.set(cid.toString(), bytes)
    return cid
  }
}

/** MemoryBlocks that also read a block's first bytes, as the embedded node's blockstore does; counts whole reads. */
class HeadBlocks extends MemoryBlocks {
  gets = 0
  override async get (cid: CID): Promise<Uint8Array> {
    this.gets++
    return await super.get(cid)
  }

  head (cid: CID, bytes: number): { head: Uint8Array, size: number } | undefined {
    const b = this.blocks.get(cid.toString())
    return b === undefined ? undefined : { head: b.subarray(0, bytes), size: b.byteLength }
  }

  /** a CIDv0-style leaf: a dag-pb node with Data only */
  async pbLeaf (text: string): Promise<CID> {
    return await this.put(dagPb.code, dagPb.encode(dagPb.prepare({ Data: new TextEncoder().encode(text) })))
  }

  async put (code: number, bytes: Uint8Array): Promise<CID> {
    const cid = CID.create(1, code, await sha256.digest(bytes))
    this.blocks.set(cid.toString(), bytes)
    return cid
  }
}

describe('isDataOnlyDagPb', () => {
  const head = (bytes: Uint8Array): boolean => isDataOnlyDagPb(bytes.subarray(0, 11), bytes.byteLength)
  it('is true for a node that is one Data field, whatever its length', () => {
    for (const n of [0, 1, 127, 128, 300, 262158]) assert.equal(head(dagPb.encode(dagPb.prepare({ Data: new Uint8Array(n) }))), true, `${n} bytes of data`)
    assert.equal(head(new Uint8Array(0)), true, 'an empty node has no links')
  })

  it('is false for a node with links, before or after its data, and for a head cut short', async () => {
    const child = CID.create(1, raw.code, await sha256.digest(new Uint8Array([1])))
    const linked = dagPb.encode(dagPb.prepare({ Data: new Uint8Array(10), Links: [{ Hash: child, Tsize: 1 }] }))
    assert.equal(head(linked), false)
    // Data first and a link after it: not canonical, but a decoder reads the link
    const data = dagPb.encode(dagPb.prepare({ Data: new Uint8Array(10) }))
    const link = linked.subarray(0, linked.byteLength - data.byteLength)
    const dataFirst = new Uint8Array([...data, ...link])
    assert.equal(dagPb.decode(dataFirst).Links.length, 1)
    assert.equal(head(dataFirst), false)
    const big = dagPb.encode(dagPb.prepare({ Data: new Uint8Array(300) }))
    assert.equal(isDataOnlyDagPb(big.subarray(0, 2), big.byteLength), false, 'the length varint does not fit in the head')
  })
})

describe('Pinset', () => {
  let dir: string
  let ds: LevelStore
  let blocks: MemoryBlocks
  let pins: Pinset

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pinset-'))
    ds = new LevelStore(dir)
    await ds.open()
    blocks = new MemoryBlocks()
    pins = new Pinset(ds, blocks)
  })
  after(async () => {
    await ds.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('marks every block a pin reaches; a block shared with another pin stays marked when one goes', async () => {
    const shared = await blocks.leaf('shared')
    const a = await blocks.node([await blocks.leaf('a1'), shared, shared])
    const b = await blocks.node([await blocks.leaf('b1'), shared])
    await pins.add(a, Infinity)
    await pins.add(b, Infinity)
    assert.equal(await pins.depthOf(a), Infinity)
    assert.ok(await pins.isPinned(shared))
    await pins.rm(a)
    assert.equal(await pins.depthOf(a), undefined)
    assert.equal(await pins.isPinned(a), false)
    assert.equal(await pins.isPinned(await blocks.leaf('a1')), false)
    assert.ok(await pins.isPinned(shared), 'b still reaches the shared block')
    await pins.rm(b)
    assert.equal(await pins.isPinned(shared), false, 'a block repeated in a DAG is unmarked once for all')
  })

  it('releases the blocks below when a pin gets shallower, keeps them when it gets deeper', async () => {
    const leaf = await blocks.leaf('deep leaf')
    const root = await blocks.node([await blocks.node([leaf])])
    await pins.add(root, Infinity)
    assert.ok(await pins.isPinned(leaf))
    await pins.add(root, 0)
    assert.equal(await pins.depthOf(root), 0)
    assert.ok(await pins.isPinned(root))
    assert.equal(await pins.isPinned(leaf), false)
    await pins.add(root, Infinity)
    assert.ok(await pins.isPinned(leaf))
    await pins.rm(root)
    assert.equal(await pins.isPinned(root), false)
  })

  it('reads the depth of a pin from its record, whatever the depth', async () => {
    const root = await blocks.node([await blocks.node([await blocks.leaf('depths')])])
    assert.equal(await pins.depthOf(root), undefined)
    for (const depth of [Infinity, 0, 1, 23, 24, 300]) {
      await pins.add(root, depth)
      assert.equal(await pins.depthOf(root), depth)
      assert.equal(await pins.depthOf(root.toString()), depth)
      // the same as the whole record decoded
      let listed: number | undefined
      for await (const p of pins.list()) if (p.cid === root.toString()) listed = p.depth
      assert.equal(listed, depth)
    }
    await pins.rm(root)
    assert.equal(await pins.depthOf(root), undefined)
  })

  it('marks nothing and records no pin when a block cannot be fetched', async () => {
    const present = await blocks.leaf('present')
    const missing = CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode('nobody has this')))
    const root = await blocks.node([present, missing])
    await assert.rejects(pins.add(root, Infinity), /not found/)
    assert.equal(await pins.depthOf(root), undefined)
    assert.equal(await pins.isPinned(root), false)
    assert.equal(await pins.isPinned(present), false)
  })

  it('pins a DAG of more blocks than one write batch, and unpins it', async () => {
    const leaves: CID[] = []
    for (let i = 0; i < 5000; i++) leaves.push(await blocks.leaf(`leaf ${i}`))
    const root = await blocks.node([await blocks.node(leaves.slice(0, 2500)), await blocks.node(leaves.slice(2500))])
    await pins.add(root, Infinity)
    for (const l of [leaves[0], leaves[2499], leaves[4999]]) assert.ok(await pins.isPinned(l))
    let n = 0
    for await (const { key } of ds.query({ prefix: '/cluster-pins/b/' })) if (key != null) n++
    assert.equal(n, 5003)
    await pins.rm(root)
    n = 0
    for await (const { key } of ds.query({ prefix: '/cluster-pins/b/' })) if (key != null) n++
    assert.equal(n, 0)
  })

  it('tells stored dag-pb leaves from their first bytes, and still reads a node whose links follow its data', async () => {
    const hb = new HeadBlocks()
    const p = new Pinset(ds, hb)
    const leaves = [await hb.pbLeaf('one'), await hb.pbLeaf('two'), await hb.pbLeaf('three')]
    const below = await hb.pbLeaf('below a data-first node')
    const linked = dagPb.encode(dagPb.prepare({ Links: [{ Hash: below, Tsize: 1 }] }))
    const data = dagPb.encode(dagPb.prepare({ Data: new Uint8Array([8, 2]) }))
    const dataFirst = await hb.put(dagPb.code, new Uint8Array([...data, ...linked]))
    const root = await hb.put(dagPb.code, dagPb.encode(dagPb.prepare({ Links: [...leaves, dataFirst].map(l => ({ Hash: l, Tsize: 1 })) })))
    await p.add(root, Infinity)
    assert.equal(hb.gets, 2, 'the root and the data-first node are read, the leaves are not')
    for (const c of [...leaves, dataFirst, below]) assert.ok(await p.isPinned(c), `${c.toString()} is marked`)
    hb.gets = 0
    await p.rm(root)
    assert.equal(hb.gets, 2)
    for (const c of [...leaves, dataFirst, below]) assert.equal(await p.isPinned(c), false)
  })
})
