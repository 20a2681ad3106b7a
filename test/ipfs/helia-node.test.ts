// The embedded node's Helia is built from Helia's node class loaded beside the `helia` entry
// point (src/ipfs/embedded/helia-node.ts): it must still be the class createHeliaLight builds,
// so a Helia upgrade that moves or renames it, or drops the node's list of block brokers (the
// connector announces the blocks it stores itself to them), fails here, by name, before any
// daemon does.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as json from 'multiformats/codecs/json'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { blockAnnouncer, createHeliaNode, heliaModuleUrl } from '../../src/ipfs/embedded/helia-node.js'
import { SizedBlockstore } from '../../src/ipfs/embedded/sized-blockstore.js'
import { LevelStore } from '../../src/datastore/level-store.js'

test('Helia\'s node class loads from the installed helia package and makes a working node', async () => {
  assert.match(fileURLToPath(heliaModuleUrl('./helia.js')), /node_modules[/\\]helia[/\\]dist[/\\]src[/\\]helia\.js$/)
  const dir = mkdtempSync(join(tmpdir(), 'helia-node-'))
  const blockstore = new SizedBlockstore(join(dir, 'blocks'))
  const datastore = new LevelStore(join(dir, 'datastore'))
  await blockstore.open()
  await datastore.open()
  const node = await createHeliaNode({ blockstore, datastore, codecs: [json], hashers: [sha512] })
  assert.equal(node.info.name, 'helia')
  assert.match(node.info.version, /^\d+\.\d+\.\d+/)
  // a block broker, as bitswap is added (withBitswap): blocks the connector stores itself are
  // announced to it as Helia's own put announces them
  const announced: string[] = []
  node.addBlockBroker({ name: 'probe', announce: async (c: CID) => { announced.push(c.toString()) } } as any)
  await node.start()
  try {
    const bytes = new TextEncoder().encode('embedded node')
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    await node.blockstore.put(cid, bytes)
    assert.equal(await node.blockstore.has(cid), true, 'the node stores through its blockstore')
    assert.equal(await blockstore.has(cid), true, 'into the blockstore it was given')
    assert.equal(typeof node.pins.add, 'function')
    assert.deepEqual(announced, [cid.toString()], 'Helia\'s put announces a new block to the brokers')
    await blockAnnouncer(node)(cid)
    assert.deepEqual(announced, [cid.toString(), cid.toString()], 'so does the announcer taken from the node')
  } finally {
    await node.stop()
    await datastore.close()
    await blockstore.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
