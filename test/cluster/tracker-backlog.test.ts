// A peer that takes more pins than its tracker holds operations for in memory
// (pin_tracker.stateless.max_queued_in_memory) leaves the rest in the pinset and queues them as
// its queue drains: a late joiner catching up on 300 pins with room for 20 pins every one.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { startCluster } from '../harness/cluster.js'
import type { TestCluster } from '../harness/cluster.js'
import { httpRequest } from '../harness/http.js'
import { parseStream, waitFor } from '../harness/wait.js'

const PINS = 300
let cluster: TestCluster

before(async () => { cluster = await startCluster(2) })
after(async () => { await cluster?.stopAll() })

test('a late joiner with room for 20 queued pins pins all 300 of the pinset', async () => {
  const [p0] = cluster.peers
  // the blocks, on peer0 only (unpinned); the joiner fetches them over bitswap
  const boundary = 'backlogboundary'
  const parts: Buffer[] = []
  const cids: string[] = []
  for (let i = 0; i < PINS; i++) {
    const bytes = Buffer.from(`backlog block ${i}\n`)
    cids.push(CID.create(1, raw.code, await sha256.digest(bytes)).toString())
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="b${i}"\r\nContent-Type: application/octet-stream\r\n\r\n`), bytes, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  const add = await httpRequest(`${p0.apiUrl}/add?no-pin=true&local=true&cid-version=1&raw-leaves=true&wrap-with-directory=true`, {
    method: 'POST', body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }
  })
  assert.equal(add.status, 200, add.body.toString())
  for (const cid of cids) assert.equal((await httpRequest(`${p0.apiUrl}/pins/${cid}`, { method: 'POST' })).status, 200)

  const joiner = await cluster.addPeer(json => {
    json.pin_tracker.stateless.max_queued_in_memory = 20
    json.pin_tracker.stateless.concurrent_pins = 2
  })
  const pinned = async (): Promise<number> => {
    const res = await httpRequest(`${joiner.apiUrl}/pins?local=true`)
    return parseStream(res.body.toString()).filter(g => cids.includes(g.cid) && Object.values(g.peer_map).some((i: any) => i.status === 'pinned')).length
  }
  const statuses = new Set<string>()
  await waitFor(async () => {
    const res = await httpRequest(`${joiner.apiUrl}/pins?local=true`)
    for (const g of parseStream(res.body.toString())) for (const i of Object.values(g.peer_map) as any[]) statuses.add(i.status)
    return (await pinned()) === PINS ? true : undefined
  }, 120_000)
  // no pin failed on the way (a status taken while the joiner merges a chunk of deltas may
  // still call a pin unexpectedly_unpinned: the tracker hears of the chunk's pins after it is
  // written, backlog or not)
  assert.ok(!statuses.has('pin_error'), [...statuses].join(','))
  assert.match(joiner.log(), /queued the pins left in the pinset/)
  // the pinqueue metric counts the pins left in the pinset too, and comes back to 0
  await waitFor(async () => {
    const metrics = JSON.parse((await httpRequest(`${joiner.apiUrl}/monitor/metrics/pinqueue`)).body.toString())
    return metrics.find((m: any) => m.peer === joiner.peerId)?.value === '0' ? true : undefined
  }, 30_000)
})
