import { describe, it, after, before } from 'node:test'
import assert from 'node:assert/strict'
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import {
  WasmCodec, encodeManifest, decodeManifest, decodeManifestRoot, loadManifest, iterateStripes, shardPins,
  ManifestError, ManifestTooLargeError, MAX_BLOCK_BYTES, encodeTreeNode, decodeTreeNode
} from '../../src/erasure/index.js'
import type { Manifest, ManifestStripe, ShardRef } from '../../src/erasure/index.js'
import { codeFile, rawBlock, NONCE } from './helpers.js'

const K = 1024

/** A big manifest without coding any bytes: fake but consistent refs. */
async function syntheticManifest (stripes: number, blocksPerShard: number): Promise<Manifest> {
  let n = 0
  const cid = async (): Promise<CID> => (await rawBlock(new TextEncoder().encode(String(n++)))).cid
  const shard = async (): Promise<ShardRef> => {
    const blocks: Array<[CID, number]> = []
    for (let i = 0; i < blocksPerShard; i++) blocks.push([await cid(), 256 * K])
    return { node: await cid(), length: blocksPerShard * 256 * K, blocks }
  }
  const list: ManifestStripe[] = []
  for (let s = 0; s < stripes; s++) {
    list.push({ data: await Promise.all([1, 2, 3, 4].map(shard)), parity: await Promise.all([1, 2].map(shard)) })
  }
  return {
    version: 1,
    codec: 'rs-vandermonde-gf8/subspace-wasm-0.2.5',
    data_shards: 4,
    parity_shards: 2,
    shard_size: blocksPerShard * 256 * K,
    file_size: stripes * 4 * blocksPerShard * 256 * K,
    content_root: await cid(),
    nonce: NONCE,
    stripes: list
  }
}

describe('manifest', () => {
  const codec = new WasmCodec()
  let small: Manifest
  before(async () => {
    small = (await codeFile(4 * 2 * K * 2 + 3 * K + 7, { chunk: K, d: 4, p: 2, shardSize: 2 * K, codec })).manifest
  })
  after(async () => { await codec.close() })

  it('round-trips an inline manifest', async () => {
    const enc = await encodeManifest(small)
    assert.equal(enc.pages.length, 0)
    const back = decodeManifest(enc.root.bytes)
    assert.equal(back.stripes.length, 3)
    assert.equal(back.file_size, small.file_size)
    assert.ok(back.content_root.equals(small.content_root))
    assert.deepEqual(back.stripes[2].data.map(d => d.length), [2 * K, K + 7])
    // re-encoding what we read gives the same block: nothing lost or reordered
    assert.ok((await encodeManifest(back)).root.cid.equals(enc.root.cid))
  })

  it('pages a manifest over 1 MiB into blocks of at most 1 MiB', async () => {
    const big = await syntheticManifest(700, 4)
    const enc = await encodeManifest(big)
    assert.ok(enc.pages.length >= 2, `${enc.pages.length} pages`)
    for (const b of [enc.root, ...enc.pages]) assert.ok(b.bytes.byteLength <= MAX_BLOCK_BYTES)
    const root = decodeManifestRoot(enc.root.bytes)
    assert.equal(root.stripes, undefined)
    assert.equal(root.stripe_count, 700)
    const back = decodeManifest(enc.root.bytes, enc.pages.map(p => p.bytes))
    assert.ok((await encodeManifest(back)).root.cid.equals(enc.root.cid))

    const store = new Map([enc.root, ...enc.pages].map(b => [b.cid.toString(), b.bytes]))
    const getBlock = async (c: CID): Promise<Uint8Array> => {
      const b = store.get(c.toString())
      if (b == null) throw new Error('not found')
      return b
    }
    const loaded = await loadManifest(enc.root.cid, getBlock)
    assert.equal(loaded.stripes.length, 700)
    let next = 0
    for await (const { index, stripe } of iterateStripes(root, getBlock)) {
      assert.equal(index, next++)
      assert.ok(stripe.data[0].node.equals(big.stripes[index].data[0].node))
    }
    assert.equal(next, 700)

    // a page whose bytes do not match its CID is refused
    const bad = enc.pages[1].bytes.slice()
    bad[bad.length - 1] ^= 1
    store.set(enc.pages[1].cid.toString(), bad)
    await assert.rejects(loadManifest(enc.root.cid, getBlock), ManifestError)
  })

  it('pages small manifests with a lower block limit', async () => {
    const enc = await encodeManifest(small, { maxBlockBytes: 1500 })
    assert.ok(enc.pages.length >= 2)
    for (const b of [enc.root, ...enc.pages]) assert.ok(b.bytes.byteLength <= 1500)
    const back = decodeManifest(enc.root.bytes, enc.pages.map(p => p.bytes))
    assert.ok((await encodeManifest(back)).root.cid.equals((await encodeManifest(small)).root.cid))
    await assert.rejects(encodeManifest(small, { maxBlockBytes: 300 }), ManifestTooLargeError)
    assert.throws(() => decodeManifest(enc.root.bytes), ManifestError, 'pages missing')
  })

  it('lists the shard pins of every stripe', () => {
    const pins = shardPins(small)
    assert.equal(pins.length, 3)
    assert.deepEqual(pins[0].map(p => [p.kind, p.index, p.position]), [
      ['data', 0, 0], ['data', 1, 1], ['data', 2, 2], ['data', 3, 3], ['parity', 0, 4], ['parity', 1, 5]])
    assert.deepEqual(pins[2].map(p => p.position), [0, 1, 4, 5])
    assert.ok(pins[1][5].node.equals(small.stripes[1].parity[1].node))
  })

  it('rejects malformed manifests with ManifestError', async () => {
    const enc = await encodeManifest(small)
    const plain = (): Record<string, any> => dagCbor.decode(enc.root.bytes)
    const mutations: Array<[string, (m: Record<string, any>) => void]> = [
      ['version', m => { m.version = 2 }],
      ['missing field', m => { delete m.codec }],
      ['extra field', m => { m.metadata = {} }],
      ['empty codec', m => { m.codec = '' }],
      ['d = 0', m => { m.data_shards = 0 }],
      ['d + p > 256', m => { m.data_shards = 255 }],
      ['negative size', m => { m.file_size = -1 }],
      ['float size', m => { m.shard_size = 1.5 }],
      ['content root not a CID', m => { m.content_root = 'bafy' }],
      ['stripe count', m => { m.stripe_count = 2 }],
      ['file size', m => { m.file_size += 1 }],
      ['parity count', m => { m.stripes[0].parity.pop() }],
      ['short middle stripe', m => { m.stripes[1].data.pop() }],
      ['too many data shards', m => { m.stripes[2].data.push(m.stripes[2].data[0], m.stripes[2].data[0], m.stripes[2].data[0]) }],
      ['block sum', m => { m.stripes[0].data[0].blocks[0][1] += 1 }],
      ['block not a CID', m => { m.stripes[0].data[0].blocks[0][0] = 'x' }],
      ['block shape', m => { m.stripes[0].data[0].blocks[0] = [m.stripes[0].data[0].blocks[0][0]] }],
      ['parity length', m => { m.stripes[2].parity[0].length = 5; m.stripes[2].parity[0].blocks = [[m.content_root, 5]] }],
      ['shard over shard size', m => { m.shard_size = K }],
      ['node not a CID', m => { m.stripes[0].parity[1].node = null }],
      ['stripe extra key', m => { m.stripes[0].extra = 1 }],
      ['stripes not a list', m => { m.stripes = {} }],
      ['missing nonce', m => { delete m.nonce }],
      ['short nonce', m => { m.nonce = new Uint8Array(8) }],
      ['nonce not bytes', m => { m.nonce = 'x'.repeat(16) }],
      ['tree not a CID', m => { m.tree = 'bafy' }]
    ]
    for (const [what, mutate] of mutations) {
      const m = plain()
      mutate(m)
      assert.throws(() => decodeManifest(dagCbor.encode(m)), ManifestError, what)
      assert.throws(() => decodeManifest(dagCbor.encode(m)), (e: Error) => e.name === 'ManifestError', what)
    }
    assert.throws(() => decodeManifest(new Uint8Array([0xff, 0x00])), ManifestError)
    assert.throws(() => decodeManifest(dagCbor.encode([1, 2])), ManifestError)
    // the writer refuses what the reader would refuse
    await assert.rejects(encodeManifest({ ...small, file_size: 1 }), ManifestError)
    await assert.rejects(encodeManifest({ ...small, parity_shards: 3 }), ManifestError)
  })

  it('records the tree node and the nonce', async () => {
    const tree = await encodeTreeNode({ blocks: [[small.content_root, 12]], nonce: NONCE })
    const enc = await encodeManifest({ ...small, tree: tree.cid })
    const back = decodeManifest(enc.root.bytes)
    assert.ok(back.tree?.equals(tree.cid))
    assert.deepEqual(back.nonce, NONCE)
    assert.equal(decodeManifest((await encodeManifest(small)).root.bytes).tree, undefined)
    const t = decodeTreeNode(tree.bytes)
    assert.ok(t.blocks[0][0].equals(small.content_root))
    assert.equal(t.blocks[0][1], 12)
    const other = await encodeTreeNode({ blocks: [[small.content_root, 12]], nonce: new Uint8Array(16) })
    assert.ok(!other.cid.equals(tree.cid))
    assert.throws(() => decodeTreeNode(dagCbor.encode({ kind: 'tree', blocks: [] })), ManifestError)
    assert.throws(() => decodeTreeNode(dagCbor.encode({ kind: 'data', blocks: [], nonce: NONCE })), ManifestError)
    await assert.rejects(encodeManifest({ ...small, nonce: new Uint8Array(2) }), ManifestError)
  })

  it('rejects pages that do not match the root', async () => {
    const enc = await encodeManifest(small, { maxBlockBytes: 1500 })
    const pages = enc.pages.map(p => p.bytes)
    assert.throws(() => decodeManifest(enc.root.bytes, [pages[1], pages[0], ...pages.slice(2)]), ManifestError)
    assert.throws(() => decodeManifest(enc.root.bytes, pages.slice(1)), ManifestError)
    const root = dagCbor.decode(enc.root.bytes) as Record<string, any>
    root.pages[1][1] += 1
    assert.throws(() => decodeManifest(dagCbor.encode(root), pages), ManifestError)
  })
})
