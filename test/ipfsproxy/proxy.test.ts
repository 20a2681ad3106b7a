// The IPFS proxy against a real daemon with the embedded IPFS node: kubo-rpc-client and raw
// kubo RPC calls on the proxy port, checked against cluster-ctl on the REST API.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { create } from 'kubo-rpc-client'
import type { KuboRPCClient } from 'kubo-rpc-client'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { startDaemon, freePort } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { ctlOk, runCtl } from '../harness/ctl.js'
import { ipfsProxyConfigSection } from '../../src/ipfsproxy/config.js'

// deterministic 300 KB: two chunks with the default chunker
const CONTENT = Buffer.alloc(300_000).map((_, i) => (i * 7 + (i >> 9)) & 0xff)
const NOBODY = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`proxy ${Date.now()}`))).toString()

describe('IPFS proxy (embedded node)', { timeout: 300_000 }, () => {
  let d: DaemonHandle
  let base: string
  let client: KuboRPCClient
  let wired = false
  const tmp = mkdtempSync(join(tmpdir(), 'proxy-test-'))

  before(async () => {
    const port = await freePort()
    d = await startDaemon({
      configure: json => {
        json.api.ipfsproxy ??= ipfsProxyConfigSection.toJSON(ipfsProxyConfigSection.defaults())
        json.api.ipfsproxy.listen_multiaddress = `/ip4/127.0.0.1/tcp/${port}`
      }
    })
    base = `http://127.0.0.1:${port}`
    client = create({ url: base })
    wired = await answers(`${base}/api/v0/version`)
  })

  after(async () => {
    await d?.stop()
    d?.cleanup()
    rmSync(tmp, { recursive: true, force: true })
  })

  const rpc = async (path: string, init: RequestInit = {}): Promise<{ status: number, body: any, text: string }> => {
    const r = await fetch(`${base}/api/v0/${path}`, { method: 'POST', ...init })
    const text = await r.text()
    let body: any
    try { body = JSON.parse(text) } catch { body = undefined }
    return { status: r.status, body, text }
  }
  const ctlPins = async (): Promise<string> => await ctlOk(['pin', 'ls'], { host: d.apiMultiaddr })

  it('serves version and id of the embedded node', async t => {
    if (!wired) return t.skip('the daemon does not run the IPFS proxy yet (daemon.ts wiring of src/ipfsproxy missing)')
    assert.equal(typeof (await client.version()).version, 'string')
    const id = await client.id()
    assert.equal(id.id.toString(), d.peerId)
    assert.ok((id.addresses ?? []).length > 0)
  })

  let addedCid = ''
  it('add through the proxy gives the CID cluster-ctl add gives, pinned in the cluster', async t => {
    if (!wired) return t.skip('proxy not wired')
    const r = await client.add(CONTENT)
    addedCid = r.cid.toString()
    assert.equal(r.size > 300_000, true)
    const file = join(tmp, 'content.bin')
    writeFileSync(file, CONTENT)
    const ctlCid = (await ctlOk(['add', '-Q', file], { host: d.apiMultiaddr })).trim()
    assert.equal(addedCid, ctlCid)
    assert.match(await ctlPins(), new RegExp(addedCid))
  })

  it('cat reads the file back; refs -r lists its leaves', async t => {
    if (!wired) return t.skip('proxy not wired')
    const chunks: Uint8Array[] = []
    for await (const c of client.cat(addedCid)) chunks.push(c)
    assert.deepEqual(Buffer.concat(chunks), CONTENT)
    const part: Uint8Array[] = []
    for await (const c of client.cat(addedCid, { offset: 1000, length: 10 })) part.push(c)
    assert.deepEqual(Buffer.concat(part), CONTENT.subarray(1000, 1010))
    const refs = await rpc(`refs?arg=${addedCid}&recursive=true`)
    assert.equal(refs.status, 200)
    const lines = refs.text.trim().split('\n').map(l => JSON.parse(l))
    assert.equal(lines.length, 2)
    for (const l of lines) assert.equal(l.Err, '')
  })

  let blockCid = ''
  it('block put / get / stat', async t => {
    if (!wired) return t.skip('proxy not wired')
    const bytes = new TextEncoder().encode(`a block ${Date.now()}`)
    const cid = await client.block.put(bytes)
    blockCid = cid.toString()
    assert.equal(blockCid, CID.createV1(raw.code, await sha256.digest(bytes)).toString())
    assert.deepEqual(Buffer.from(await client.block.get(cid)), Buffer.from(bytes))
    const st = await client.block.stat(cid)
    assert.equal(st.size, bytes.byteLength)
    const off = await rpc(`block/stat?arg=${NOBODY}&offline=true`)
    assert.equal(off.status, 500)
    assert.match(off.body.Message, /not found locally/)
  })

  it('pin add / ls / rm through the proxy show in cluster-ctl pin ls', async t => {
    if (!wired) return t.skip('proxy not wired')
    const pinned = await client.pin.add(CID.parse(blockCid))
    assert.equal(pinned.toString(), blockCid)
    assert.match(await ctlPins(), new RegExp(blockCid))
    const listed: Array<{ cid: string, type: string }> = []
    for await (const p of client.pin.ls()) listed.push({ cid: p.cid.toString(), type: p.type })
    assert.ok(listed.some(p => p.cid === blockCid && p.type === 'recursive'))
    const keys = await rpc('pin/ls')
    assert.equal(keys.body.Keys[blockCid].Type, 'recursive')
    const one = await rpc(`pin/ls?arg=${blockCid}&stream=true`)
    assert.deepEqual(one.body, { Cid: blockCid, Type: 'recursive' })
    const removed = []
    for await (const c of client.pin.rmAll([{ cid: CID.parse(blockCid) }])) removed.push(c.toString())
    assert.deepEqual(removed, [blockCid])
    assert.doesNotMatch(await ctlPins(), new RegExp(blockCid))
  })

  it('pin/update moves the pin', async t => {
    if (!wired) return t.skip('proxy not wired')
    const other = await client.block.put(new TextEncoder().encode(`another ${Date.now()}`))
    await rpc(`pin/add?arg=${blockCid}`)
    const up = await rpc(`pin/update?arg=${blockCid}&arg=${other.toString()}`)
    assert.equal(up.status, 200, up.text)
    assert.deepEqual(up.body.Pins, [blockCid, other.toString()])
    const pins = await ctlPins()
    assert.match(pins, new RegExp(other.toString()))
    assert.doesNotMatch(pins, new RegExp(blockCid))
  })

  it('dag put stores a dag-cbor node', async t => {
    if (!wired) return t.skip('proxy not wired')
    const cid = await client.dag.put({ hello: 'proxy' })
    assert.equal(cid.code, 0x71)
    assert.ok((await client.block.get(cid)).byteLength > 0)
  })

  it('repo stat sums the cluster; repo gc runs on the cluster', async t => {
    if (!wired) return t.skip('proxy not wired')
    const s = await client.repo.stat()
    assert.ok(s.repoSize > 0n)
    assert.ok(s.storageMax > 0n)
    const gc = await rpc('repo/gc')
    assert.equal(gc.status, 200)
  })

  it('answers errors in kubo shape with kubo status codes', async t => {
    if (!wired) return t.skip('proxy not wired')
    const notPinned = await rpc(`pin/ls?arg=${NOBODY}`)
    assert.equal(notPinned.status, 500)
    assert.deepEqual(notPinned.body, { Message: `Error: path '${NOBODY}' is not pinned`, Code: 0, Type: 'error' })
    const noArgs = await rpc('pin/update')
    assert.equal(noArgs.status, 400)
    assert.deepEqual(noArgs.body, { Message: 'argument "from-path" is required', Code: 1, Type: 'error' })
    const badCid = await rpc('block/get?arg=nope')
    assert.equal(badCid.status, 500)
    assert.equal(badCid.body.Type, 'error')
    const rmUnpinned = await rpc(`pin/rm?arg=${NOBODY}`)
    assert.equal(rmUnpinned.status, 500)
    assert.equal(rmUnpinned.body.Message, 'not pinned or pinned indirectly')
    const get = await fetch(`${base}/api/v0/block/get?arg=${blockCid}`)
    assert.equal(get.status, 405)
    const unknown = await rpc('no/such/command')
    assert.equal(unknown.status, 501)
    assert.equal(unknown.body.Code, 0)
    assert.equal(unknown.body.Type, 'error')
    assert.match(unknown.body.Message, /^no\/such\/command is not implemented by the cluster's IPFS proxy/)
    const r = await runCtl(['pin', 'ls', NOBODY], { host: d.apiMultiaddr })
    assert.notEqual(r.code, 0)
  })
})

async function answers (url: string): Promise<boolean> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url, { method: 'POST', signal: AbortSignal.timeout(2000) })).status === 200) return true
    } catch { /* not yet */ }
    await new Promise(resolve => setTimeout(resolve, 300))
  }
  return false
}
