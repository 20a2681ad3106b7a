// The kubo RPC commands the IPFS proxy serves from the embedded node (issue 11), through
// kubo-rpc-client as a real client uses them, plus raw HTTP for kubo's shapes: ls, get (tar),
// files/stat, dag get/export/import, block rm, swarm peers/connect, name/resolve; and 501
// with kubo's error body for what is not served.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { create } from 'kubo-rpc-client'
import type { KuboRPCClient } from 'kubo-rpc-client'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { sha256 } from 'multiformats/hashes/sha2'
import { CarBlockIterator } from '@ipld/car/iterator'
import { CarWriter } from '@ipld/car/writer'
import { startDaemon, freePort } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { ctlOk } from '../harness/ctl.js'
import { ipfsProxyConfigSection } from '../../src/ipfsproxy/config.js'

const BIG = Buffer.alloc(300_000).map((_, i) => (i * 13 + (i >> 7)) & 0xff)

/** name, type flag and size of each ustar header of a tar */
function tarList (tar: Uint8Array): Array<{ name: string, type: string, size: number, body: Buffer }> {
  const out = []
  let off = 0
  const b = Buffer.from(tar)
  while (off + 512 <= b.length) {
    const h = b.subarray(off, off + 512)
    if (h.every(x => x === 0)) break
    const str = (s: number, n: number): string => h.subarray(s, s + n).toString('utf8').replace(/\0.*$/s, '')
    const prefix = str(345, 155)
    const name = (prefix !== '' ? `${prefix}/` : '') + str(0, 100)
    const size = parseInt(str(124, 12).trim() || '0', 8)
    out.push({ name, type: str(156, 1), size, body: b.subarray(off + 512, off + 512 + size) })
    off += 512 + Math.ceil(size / 512) * 512
  }
  return out
}

async function collect (it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const c of it) chunks.push(c)
  return Buffer.concat(chunks)
}

describe('IPFS proxy: kubo commands of the embedded node', { timeout: 300_000 }, () => {
  let d: DaemonHandle
  let d2: DaemonHandle | undefined
  let base: string
  let client: KuboRPCClient
  let dirCid = ''
  let fileCid = ''
  let smallCid = ''

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
    // a directory with a 2-chunk file, a small file and a subdirectory, added through the proxy
    const added = []
    for await (const a of client.addAll([
      { path: 'root/big.bin', content: BIG },
      { path: 'root/small.txt', content: new TextEncoder().encode('hello proxy\n') },
      { path: 'root/sub/deep.txt', content: new TextEncoder().encode('deep\n') }
    ])) added.push(a)
    dirCid = added.find(a => a.path === 'root')!.cid.toString()
    fileCid = added.find(a => a.path === 'root/big.bin')!.cid.toString()
    smallCid = added.find(a => a.path === 'root/small.txt')!.cid.toString()
  })

  after(async () => {
    await d2?.stop()
    d2?.cleanup()
    await d?.stop()
    d?.cleanup()
  })

  const rpc = async (path: string, init: RequestInit = {}): Promise<{ status: number, body: any, text: string, headers: Headers }> => {
    const r = await fetch(`${base}/api/v0/${path}`, { method: 'POST', ...init })
    const text = await r.text()
    let body: any
    try { body = JSON.parse(text) } catch { body = undefined }
    return { status: r.status, body, text, headers: r.headers }
  }

  it('ls lists a directory with kubo types and sizes; a chunked file lists its blocks', async () => {
    const entries = []
    for await (const e of client.ls(dirCid)) entries.push({ name: e.name, type: e.type, size: e.size, cid: e.cid.toString() })
    assert.deepEqual(entries.map(e => [e.name, e.type]), [['big.bin', 'file'], ['small.txt', 'file'], ['sub', 'dir']])
    assert.equal(entries[0].size, BIG.byteLength)
    assert.equal(entries[0].cid, fileCid)
    const r = await rpc(`ls?arg=${dirCid}`)
    assert.equal(r.status, 200)
    assert.equal(r.body.Objects[0].Hash, dirCid)
    assert.deepEqual(r.body.Objects[0].Links[2], { Name: 'sub', Hash: r.body.Objects[0].Links[2].Hash, Size: 0, Type: 1, Target: '' })
    assert.equal(r.body.Objects[0].Links[1].Type, 2)
    const s = await rpc(`ls?arg=/ipfs/${dirCid}/sub&stream=true`)
    assert.equal(s.body.Objects[0].Links[0].Name, 'deep.txt')
    const file = await rpc(`ls?arg=${fileCid}`)
    assert.equal(file.body.Objects[0].Links.length, 2)
  })

  it('get: a tar of the directory named after the CID (and gzip with compress)', async () => {
    const tar = await collect(client.get(dirCid))
    const list = tarList(tar)
    assert.deepEqual(list.map(e => [e.name, e.type]), [
      [`${dirCid}/`, '5'], [`${dirCid}/big.bin`, '0'], [`${dirCid}/small.txt`, '0'], [`${dirCid}/sub/`, '5'], [`${dirCid}/sub/deep.txt`, '0']
    ])
    assert.deepEqual(list[1].body, BIG)
    assert.equal(list[2].body.toString(), 'hello proxy\n')
    const one = tarList(await collect(client.get(`/ipfs/${dirCid}/small.txt`)))
    assert.deepEqual(one.map(e => [e.name, e.body.toString()]), [['small.txt', 'hello proxy\n']])
    const gz = await collect(client.get(smallCid, { compress: true }))
    assert.equal(gunzipSync(gz).toString(), 'hello proxy\n')
    const tgz = tarList(gunzipSync(await collect(client.get(dirCid, { archive: true, compress: true }))))
    assert.equal(tgz.length, 5)
  })

  it('files/stat of /ipfs/ paths', async () => {
    const st = await client.files.stat(`/ipfs/${fileCid}`)
    assert.equal(st.cid.toString(), fileCid)
    assert.equal(st.type, 'file')
    assert.equal(st.size, BIG.byteLength)
    assert.equal(st.blocks, 2)
    assert.ok(st.cumulativeSize > BIG.byteLength)
    const dir = await rpc(`files/stat?arg=/ipfs/${dirCid}/sub`)
    assert.equal(dir.status, 200)
    assert.deepEqual(Object.keys(dir.body), ['Hash', 'Size', 'CumulativeSize', 'Blocks', 'Type', 'WithLocality'])
    assert.equal(dir.body.Type, 'directory')
    const mfs = await rpc('files/stat?arg=/some/mfs/path')
    assert.equal(mfs.status, 500)
    assert.match(mfs.body.Message, /file does not exist/)
  })

  let dagCid: CID
  it('dag put / get with paths and output codecs', async () => {
    const leaf = await client.dag.put({ n: 1 })
    dagCid = await client.dag.put({ name: 'top', leaf, list: [10, 20] })
    const got = await client.dag.get(dagCid)
    assert.equal(got.value.name, 'top')
    const viaPath = await client.dag.get(dagCid, { path: '/leaf/n' })
    assert.equal(viaPath.value, 1)
    const j = await rpc(`dag/get?arg=${dagCid.toString()}`)
    assert.equal(j.status, 200)
    assert.deepEqual(dagJson.decode(new TextEncoder().encode(j.text)), { name: 'top', leaf, list: [10, 20] })
    const followed = await rpc(`dag/get?arg=${dagCid.toString()}/leaf`)
    assert.equal(followed.text, '{"n":1}')
    assert.equal((await rpc(`dag/get?arg=${dagCid.toString()}/list/1`)).text, '20')
    const cbor = await fetch(`${base}/api/v0/dag/get?arg=${dagCid.toString()}&output-codec=dag-cbor`, { method: 'POST' })
    assert.deepEqual(dagCbor.decode(new Uint8Array(await cbor.arrayBuffer())), { name: 'top', leaf, list: [10, 20] })
    const pb = await rpc(`dag/get?arg=${fileCid}`)
    assert.equal(JSON.parse(pb.text).Links.length, 2)
    const missing = await rpc(`dag/get?arg=${dagCid.toString()}/nope`)
    assert.equal(missing.status, 500)
    assert.match(missing.body.Message, /no link named "nope"/)
  })

  it('dag export writes a CAR of the whole DAG; dag import stores a CAR and pins its root in the cluster', async () => {
    const car = await collect(client.dag.export(CID.parse(dirCid)))
    const it = await CarBlockIterator.fromBytes(car)
    assert.deepEqual((await it.getRoots()).map(r => r.toString()), [dirCid])
    const cids = []
    for await (const b of it) cids.push(b.cid.toString())
    assert.equal(cids[0], dirCid)
    assert.equal(cids.length, new Set(cids).size)
    assert.equal(cids.length, 7, 'root, big.bin + 2 chunks, small.txt, sub, deep.txt')

    // a CAR of blocks this node never saw
    const leafBytes = new TextEncoder().encode(`imported leaf ${Date.now()}`)
    const leaf = CID.createV1(raw.code, await sha256.digest(leafBytes))
    const rootBytes = dagCbor.encode({ imported: true, leaf })
    const root = CID.createV1(dagCbor.code, await sha256.digest(rootBytes))
    const { writer, out } = CarWriter.create([root])
    const carBytes = collect(out)
    await writer.put({ cid: root, bytes: rootBytes })
    await writer.put({ cid: leaf, bytes: leafBytes })
    await writer.close()
    const imported = []
    for await (const r of client.dag.import([await carBytes])) imported.push(r)
    assert.deepEqual(imported.map(r => [r.root.cid.toString(), r.root.pinErrorMsg]), [[root.toString(), '']])
    assert.deepEqual(Buffer.from(await client.block.get(leaf)), Buffer.from(leafBytes))
    assert.match(await ctlOk(['pin', 'ls'], { host: d.apiMultiaddr }), new RegExp(root.toString()))
    const stats = await rpc('dag/import?pin-roots=false&stats=true', { body: (() => { const f = new FormData(); f.append('file', new Blob([car])); return f })() })
    assert.equal(stats.status, 200)
    assert.deepEqual(JSON.parse(stats.text.trim()), { Stats: { BlockCount: 7, BlockBytesCount: JSON.parse(stats.text.trim()).Stats.BlockBytesCount } })

    const corrupt = Buffer.from(await (async () => {
      const w = CarWriter.create([leaf])
      const b = collect(w.out)
      await w.writer.put({ cid: leaf, bytes: new TextEncoder().encode('not the leaf') })
      await w.writer.close()
      return await b
    })())
    const bad = await rpc('dag/import', { body: (() => { const f = new FormData(); f.append('file', new Blob([corrupt])); return f })() })
    assert.equal(bad.status, 500)
    assert.match(bad.body.Message, /does not match its CID/)
  })

  it('block rm removes an unpinned block, refuses a pinned one and reports a missing one', async () => {
    const bytes = new TextEncoder().encode(`to remove ${Date.now()}`)
    const cid = await client.block.put(bytes)
    const removed = []
    for await (const r of client.block.rm(cid)) removed.push(r)
    assert.deepEqual(removed.map(r => [r.cid.toString(), r.error]), [[cid.toString(), undefined]])
    const off = await rpc(`block/stat?arg=${cid.toString()}&offline=true`)
    assert.equal(off.status, 500)
    const again = await rpc(`block/rm?arg=${cid.toString()}`)
    assert.equal(again.status, 200)
    assert.deepEqual(JSON.parse(again.text.trim()), { Hash: cid.toString(), Error: 'blockstore: block not found' })
    assert.equal(again.headers.get('x-stream-error'), null, 'the error is in the trailer, not a header')
    const forced = await rpc(`block/rm?arg=${cid.toString()}&force=true`)
    assert.equal(forced.text.trim(), '')
    // smallCid is in the pinned directory: refused
    const pinned = await rpc(`block/rm?arg=${smallCid}`)
    assert.equal(JSON.parse(pinned.text.trim()).Error, 'pinned: indirect')
    assert.equal(JSON.parse((await rpc(`block/rm?arg=${dirCid}`)).text.trim()).Error, 'pinned: recursive')
    assert.equal((await client.block.stat(CID.parse(smallCid))).size > 0, true)
  })

  it('swarm connect / peers against a second peer', async () => {
    const secret = JSON.parse(readFileSync(join(d.dir, 'service.json'), 'utf8')).cluster.secret
    d2 = await startDaemon({ configure: json => { json.cluster.secret = secret } })
    const strings = await client.swarm.connect(d2.swarmAddr as any)
    assert.deepEqual(strings, [`connect ${d2.peerId} success`])
    const peers = await client.swarm.peers()
    const p = peers.find(x => x.peer.toString() === d2!.peerId)
    assert.ok(p != null)
    assert.match(p.addr.toString(), /^\/ip4\/127\.0\.0\.1\/tcp\/\d+/)
    const bad = await rpc('swarm/connect?arg=/ip4/127.0.0.1/tcp/1')
    assert.equal(bad.status, 500)
    assert.match(bad.body.Message, /p2p/)
  })

  it('name/resolve and commands not served: kubo error bodies, 501', async () => {
    const ipns = await rpc(`name/resolve?arg=/ipns/${d.peerId}`)
    assert.equal(ipns.status, 501)
    assert.equal(ipns.body.Type, 'error')
    assert.match(ipns.body.Message, /IPNS is not implemented/)
    assert.deepEqual((await rpc(`name/resolve?arg=/ipfs/${dirCid}`)).body, { Path: `/ipfs/${dirCid}` })
    for (const cmd of ['key/gen', 'pubsub/pub', 'files/write', 'object/get', 'dht/findprovs']) {
      const r = await rpc(`${cmd}?arg=x`)
      assert.equal(r.status, 501, cmd)
      assert.deepEqual(Object.keys(r.body), ['Message', 'Code', 'Type'])
      assert.equal(r.body.Code, 0)
      assert.equal(r.body.Type, 'error')
      assert.ok(r.body.Message.startsWith(`${cmd} is not implemented by the cluster's IPFS proxy on the embedded IPFS node`), r.body.Message)
    }
    await assert.rejects(client.key.gen('k'), /not implemented/)
    const notApi = await fetch(`${base}/elsewhere`)
    assert.equal(notApi.status, 404)
    assert.equal(await notApi.text(), '404 page not found\n')
  })
})
