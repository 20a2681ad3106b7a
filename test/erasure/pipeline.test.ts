// The building blocks wired the way the add and ecget flows will use them, on real unixfs
// import output: leaves → stripes → parity → manifest → (losses) → the file's bytes.
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import { importEntries } from '../../src/adder/importer.js'
import { defaultAddParams } from '../../src/api/params.js'
import {
  WasmCodec, StripeBuilder, encodeStripe, encodeManifest, loadManifest, reconstructStripe, chooseShardSize, smallFilePolicy
} from '../../src/erasure/index.js'
import type { EncodedStripe, Manifest, Stripe } from '../../src/erasure/index.js'
import { bytes, concat, NONCE } from './helpers.js'
import type { Uint8ArrayList } from 'uint8arraylist'
import { wholeBytes } from '../../src/common/copy-into.js'

const RAW = 0x55

describe('erasure pipeline on unixfs import output', () => {
  const codec = new WasmCodec()
  after(async () => { await codec.close() })

  for (const hash of ['sha2-256', 'blake2b-256']) {
    it(`adds and reads back a file with lost shards (${hash} leaves)`, async () => {
      const file = bytes(50 * 1024 + 123, 77)
      const chunk = 1024
      const d = 4
      const p = 2
      const { shardSize } = chooseShardSize({ fileSize: file.byteLength, d, p, chunkSize: chunk, maxShardSize: 4 * 1024 })
      assert.equal(smallFilePolicy({ fileSize: file.byteLength, d, p, chunkSize: chunk, shardSize }).mode, 'erasure')

      // add: the sink sees every block; raw leaves go to the stripe builder, stripes are coded as they fill
      const store = new Map<string, Uint8Array>()
      const builder = new StripeBuilder({ dataShards: d, parityShards: p, shardSize })
      const coded: EncodedStripe[] = []
      const code = async (s: Stripe): Promise<void> => { coded.push(await encodeStripe(s, codec, p, { dataShards: d, nonce: NONCE, parityBlockSize: chunk })) }
      const sink = {
        put: async (cid: CID, b: Uint8Array | Uint8ArrayList): Promise<void> => {
          store.set(cid.toString(), wholeBytes(b))
          // a raw leaf as the importer gives it: the upload's pieces, copied into the stripe
          if (cid.code === RAW) for (const s of builder.push({ cid, bytes: b })) await code(s)
        }
      }
      const params = { ...defaultAddParams(), raw_leaves: true, cid_version: 1, chunker: `size-${chunk}`, hash }
      async function * entries (): AsyncGenerator<{ path: string, type: 'file', content: AsyncIterable<Uint8Array> }> {
        yield { path: 'f.bin', type: 'file', content: (async function * () { yield file })() }
      }
      let root = ''
      for await (const out of importEntries(entries(), params, sink)) root = out.cid
      const last = builder.finish()
      if (last != null) await code(last)
      assert.equal(coded.length, Math.ceil(file.byteLength / (d * shardSize)))

      const manifest: Manifest = {
        version: 1,
        codec: codec.id,
        data_shards: d,
        parity_shards: p,
        shard_size: shardSize,
        file_size: file.byteLength,
        content_root: CID.parse(root),
        nonce: NONCE,
        stripes: coded.map(s => s.manifest)
      }
      const enc = await encodeManifest(manifest, { maxBlockBytes: 2048 })
      for (const b of [enc.root, ...enc.pages]) store.set(b.cid.toString(), b.bytes)

      // ecget: every stripe loses up to p shards, data first
      const read = await loadManifest(enc.root.cid, async (cid) => {
        const b = store.get(cid.toString())
        if (b == null) throw new Error('no block')
        return b
      })
      const parts: Uint8Array[] = []
      for (const [i, stripe] of read.stripes.entries()) {
        const gone = new Set([`data/${i % stripe.data.length}`, i % 2 === 0 ? 'parity/0' : `data/${(i + 1) % stripe.data.length}`])
        const r = await reconstructStripe(read, i, stripe, async (kind, index) => {
          if (gone.has(`${kind}/${index}`)) return undefined
          const shard = (kind === 'data' ? coded[i].data : coded[i].parity)[index]
          return shard.blocks.map(b => b.bytes)
        }, codec)
        assert.ok(r.lost.length >= 1)
        for (const s of r.rebuilt) {
          const orig = (s.kind === 'data' ? coded[i].data : coded[i].parity)[s.index]
          assert.ok(s.node.cid.equals(orig.node.cid))
        }
        parts.push(...r.data.flatMap(s => s.map(b => b.bytes)))
      }
      assert.deepEqual(concat(parts), file)
    })
  }
})
