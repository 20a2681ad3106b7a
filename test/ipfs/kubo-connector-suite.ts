// The KuboConnector's behaviour against a kubo-compatible RPC API: a cluster peer's IPFS proxy
// (embedded node) or a real kubo (CLUSTER_TEST_KUBO_API). Through a cluster proxy, pins are
// cluster pins (committed at once, pinned in the background), so the pin-timeout check runs on
// kubo only.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as dagPb from '@ipld/dag-pb'
import { sha256 } from 'multiformats/hashes/sha2'
import { Uint8ArrayList } from 'uint8arraylist'
import { UnixFS } from 'ipfs-unixfs'
import { pino } from 'pino'
import { KuboConnector } from '../../src/ipfs/kubo/connector.js'
import { ipfshttpConfigSection } from '../../src/ipfs/kubo/config.js'
import type { IpfsBlock } from '../../src/ipfs/connector.js'
import { newPin } from '../../src/api/pin.js'
import { defaultPinOptions } from '../../src/api/pin.js'
import { IpfsTimeoutError } from '../../src/ipfs/errors.js'

export interface SuiteOptions {
  /** the API is a cluster's IPFS proxy (pins go through the cluster) */
  viaClusterProxy: boolean
  /** waits until the cluster has pinned / unpinned a CID on the proxy's peer */
  settled?: (cid: string) => Promise<void>
}

export function makeConnector (nodeMultiaddress: string, overrides: Record<string, unknown> = {}): KuboConnector {
  const config = ipfshttpConfigSection.parse({ ...ipfshttpConfigSection.toJSON(ipfshttpConfigSection.defaults()), node_multiaddress: nodeMultiaddress, connect_swarms_delay: '0s', ...overrides })
  return new KuboConnector({ config, logger: pino({ level: 'silent' }) })
}

async function rawBlock (size = 1000): Promise<IpfsBlock & { bytes: Uint8Array }> {
  const bytes = randomBytes(size)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)).toString(), bytes }
}

/** A unixfs directory node with one link "f" → child. */
async function dirNode (child: IpfsBlock): Promise<IpfsBlock> {
  const bytes = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: [{ Name: 'f', Hash: CID.parse(child.cid), Tsize: child.bytes.byteLength }] }))
  return { cid: CID.createV1(dagPb.code, await sha256.digest(bytes)).toString(), bytes }
}

async function waitFor (what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 300))
  }
}

export async function runConnectorSuite (t: import('node:test').TestContext, apiMultiaddr: string, o: SuiteOptions): Promise<void> {
  const c = makeConnector(apiMultiaddr)
  await c.start()
  try {
    await t.test('becomes ready and answers id', async () => {
      await c.ready(AbortSignal.timeout(30_000))
      const id = await c.id()
      assert.equal(id.error, '')
      assert.ok(id.id != null && id.id.length > 10)
      assert.ok(Array.isArray(id.addresses))
    })

    const blocks = await Promise.all([rawBlock(), rawBlock(2000), rawBlock(300_000)])
    await t.test('blockStream stores many blocks in one request, one given as the pieces it arrived in; blockStat/blockGet read them', async () => {
      const [whole, ...rest] = blocks
      const pieces = { cid: whole.cid, bytes: new Uint8ArrayList(whole.bytes.subarray(0, 100), whole.bytes.subarray(100)) }
      await c.blockStream((async function * () { yield pieces; yield * rest })())
      for (const b of blocks) {
        assert.equal(await c.blockStat(b.cid), b.bytes.byteLength)
        assert.deepEqual(Buffer.from(await c.blockGet(b.cid)), Buffer.from(b.bytes))
      }
    })

    const single = await rawBlock(10)
    await t.test('blockPut stores one block; blockStat of a missing block is undefined (offline)', async () => {
      await c.blockPut(single)
      assert.equal(await c.blockStat(single.cid), 10)
      const missing = await rawBlock(5)
      const started = Date.now()
      assert.equal(await c.blockStat(missing.cid), undefined)
      assert.ok(Date.now() - started < 10_000, 'blockStat must not search the network')
    })

    const dir = await dirNode(blocks[0])
    await t.test('resolve: a bare /ipfs/<cid> without a call, a sub-path through the node', async () => {
      assert.equal(await c.resolve(`/ipfs/${blocks[1].cid}`), blocks[1].cid)
      assert.equal(await c.resolve(blocks[1].cid), blocks[1].cid)
      await c.blockPut(dir)
      assert.equal(await c.resolve(`/ipfs/${dir.cid}/f`), blocks[0].cid)
    })

    await t.test('pin recursive and direct; pinLsCid, pinLs and pinTypes report them; unpin (twice) removes', async () => {
      const rec = newPin(dir.cid, defaultPinOptions())
      const direct = newPin(blocks[1].cid, { ...defaultPinOptions(), mode: 'direct' })
      await c.pin(rec)
      await c.pin(direct)
      if (o.viaClusterProxy) {
        await o.settled?.(dir.cid)
        await o.settled?.(blocks[1].cid)
      }
      assert.equal(await c.pinLsCid(dir.cid), 'recursive')
      assert.equal(await c.pinLsCid(blocks[1].cid), 'direct')
      const recursive: string[] = []
      for await (const p of c.pinLs(['recursive'])) recursive.push(p.cid)
      assert.ok(recursive.includes(dir.cid))
      assert.ok(!recursive.includes(blocks[1].cid))
      const all: string[] = []
      for await (const p of c.pinLs(['recursive', 'direct'])) all.push(p.cid)
      assert.ok(all.includes(blocks[1].cid))
      const pinType = await c.pinTypes()
      assert.equal(await pinType(dir.cid), 'recursive')
      assert.equal(await pinType(blocks[1].cid), 'direct')
      assert.equal(await pinType(blocks[0].cid), undefined)
      // pinning again is a no-op
      await c.pin(rec)
      await c.unpin(dir.cid)
      await c.unpin(blocks[1].cid)
      assert.equal(await c.pinLsCid(dir.cid), undefined)
      await c.unpin(dir.cid) // "not pinned" is success
    })

    await t.test('repoStat, swarmPeers, repoGC', async () => {
      const s = await c.repoStat()
      assert.ok(s.RepoSize > 0)
      assert.ok(s.StorageMax > 0)
      assert.ok(Array.isArray(await c.swarmPeers()))
      for await (const g of c.repoGC()) assert.equal(typeof g.key, 'string')
    })

    await t.test('kubo errors are typed', async () => {
      await assert.rejects(c.blockGet('not-a-cid'), (err: any) => err.name === 'KuboApiError' && err.status === 500 && /IPFS error \(block\/get\)/.test(err.message))
    })

    if (!o.viaClusterProxy) {
      await t.test('pin_timeout: a pin that makes no progress fails', async () => {
        const slow = makeConnector(apiMultiaddr, { pin_timeout: '2s' })
        await slow.start()
        try {
          const nobody = await rawBlock(7)
          await assert.rejects(slow.pin(newPin(nobody.cid, defaultPinOptions())), IpfsTimeoutError)
        } finally {
          await slow.stop()
        }
      })
    }
  } finally {
    await c.stop()
  }
}

export { waitFor }
