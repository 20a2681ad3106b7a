// encodeLeaf writes a leaf in one buffer; its bytes must be exactly what @ipld/dag-pb and
// ipfs-unixfs encode (kubo's CIDs depend on it), for every length class of the varints.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { encode, prepare, decode } from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { encodeLeaf } from '../../src/adder/unixfs-nodes.js'

function libraryLeaf (data: Uint8Array, type: 'file' | 'raw'): Uint8Array {
  return encode(prepare({ Data: new UnixFS({ type, data }).marshal(), Links: [] }))
}

test('encodeLeaf: the same bytes as dag-pb + unixfs for file and raw leaves of every size class', () => {
  const sizes = [0, 1, 2, 100, 122, 123, 124, 125, 127, 128, 129, 16_375, 16_376, 16_383, 16_384, 16_385, 65_536, 262_144, 1_048_576, 2_097_152 - 8, 2_097_152]
  for (const type of ['file', 'raw'] as const) {
    for (const n of sizes) {
      const data = randomBytes(n)
      const ours = encodeLeaf(data, type)
      assert.deepEqual(Buffer.from(ours), Buffer.from(libraryLeaf(data, type)), `${type} leaf of ${n} bytes`)
      const back = UnixFS.unmarshal(decode(ours).Data as Uint8Array)
      assert.equal(back.type, type)
      assert.equal(back.fileSize(), BigInt(n))
    }
  }
})
