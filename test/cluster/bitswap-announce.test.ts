// A block stored after another peer asked for it over bitswap is sent to that peer: the
// embedded node tells bitswap of every block it writes (EmbeddedIpfs.blockPut writes straight
// into the blockstore, not through Helia's block put, which made that announcement).
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { startCluster } from '../harness/cluster.js'
import type { TestCluster } from '../harness/cluster.js'
import { ctlOk } from '../harness/ctl.js'
import { httpRequest } from '../harness/http.js'
import { waitFor } from '../harness/wait.js'

let cluster: TestCluster

before(async () => { cluster = await startCluster(2) })
after(async () => { await cluster?.stopAll() })

/** The status of `cid` on `peer`, as peer0 reports it. */
async function statusOn (cid: string, peer: string): Promise<string | undefined> {
  const out = JSON.parse(await ctlOk(['--enc=json', 'status', cid], { host: cluster.peers[0].apiMultiaddr }))
  return out.peer_map?.[peer]?.status
}

test('a block that reaches a peer after another asked it for the block over bitswap is sent on', async () => {
  const [p0, p1] = cluster.peers
  const bytes = randomBytes(100 * 1024)
  const cid = CID.create(1, raw.code, await sha256.digest(bytes)).toString()

  // peer1 must pin a block no peer has: it asks its connected peers for it over bitswap
  await cluster.waitMetric('freespace', 2, [p0])
  await ctlOk(['pin', 'add', '--no-status', '--rmin', '1', '--rmax', '1', '--allocations', p1.peerId, cid], { host: p0.apiMultiaddr })
  await waitFor(async () => (await statusOn(cid, p1.peerId)) === 'pinning' ? true : undefined, 30_000)
  // the want reaches peer0 before the block does (bitswap sends it at once)
  await new Promise(resolve => setTimeout(resolve, 2000))
  assert.equal(await statusOn(cid, p1.peerId), 'pinning', 'nobody had the block yet')

  // the block is added on peer0 only (one raw block, not pinned there): peer0 now has what
  // peer1 asked it for, and must send it without being asked again
  const boundary = 'announceboundary'
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="b"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`)
  ])
  const add = await httpRequest(`${p0.apiUrl}/add?no-pin=true&local=true&cid-version=1&raw-leaves=true`, {
    method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }
  })
  assert.equal(add.status, 200, add.body.toString())
  assert.ok(add.body.toString().includes(cid), add.body.toString())

  await waitFor(async () => (await statusOn(cid, p1.peerId)) === 'pinned' ? true : undefined, 20_000)
})
