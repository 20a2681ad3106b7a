// cluster-ctl over libp2p (issue 11): `--host /ip4/…/tcp/N/p2p/<id>` reaches the REST API's
// libp2p-http endpoint of a real daemon, with the same commands and authentication as HTTP.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { startLibp2pHttpDaemon } from '../harness/libp2p-http.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { runCtl } from '../harness/ctl.js'

describe('cluster-ctl over libp2p-http', { timeout: 300_000 }, () => {
  let d: DaemonHandle
  let addr: string
  let apiPeer: string
  const tmp = mkdtempSync(join(tmpdir(), 'ctl-p2p-'))

  before(async () => {
    ;({ daemon: d, addr, apiPeer } = await startLibp2pHttpDaemon())
  })

  after(async () => {
    await d?.stop()
    d?.cleanup()
    rmSync(tmp, { recursive: true, force: true })
  })

  const ctl = async (args: string[], host = addr): Promise<{ code: number, stdout: string, stderr: string }> =>
    await runCtl(['--host', host, '--basic-auth', 'alice:secret', '--force-http', ...args])

  it('id, add, pin ls and pin rm over libp2p', async () => {
    const id = await ctl(['--enc=json', 'id'])
    assert.equal(id.code, 0, id.stderr)
    assert.equal(JSON.parse(id.stdout).id, d.peerId)
    const file = join(tmp, 'f.bin')
    writeFileSync(file, Buffer.alloc(600_000, 7))
    const added = await ctl(['add', '-Q', file])
    assert.equal(added.code, 0, added.stderr + added.stdout)
    const cid = added.stdout.trim()
    assert.match(cid, /^Qm/)
    const ls = await ctl(['pin', 'ls'])
    assert.equal(ls.code, 0)
    assert.match(ls.stdout, new RegExp(cid))
    const st = await ctl(['status', cid])
    assert.match(st.stdout, /PINNED/)
    // ecget over libp2p reads through node's client (download.ts' incomingDownload)
    const out = join(tmp, 'out')
    const got = await ctl(['ecget', cid, '-o', out])
    assert.equal(got.code, 0, got.stderr + got.stdout)
    assert.ok(readFileSync(join(out, cid)).equals(Buffer.alloc(600_000, 7)))
    const rm = await ctl(['pin', 'rm', '--no-status', cid])
    assert.equal(rm.code, 0, rm.stderr + rm.stdout)
    // the /ipfs/<id> spelling of the same address
    const old = await ctl(['--enc=json', 'id'], addr.replace('/p2p/', '/ipfs/'))
    assert.equal(JSON.parse(old.stdout).id, d.peerId)
  })

  it('authentication, a wrong peer and a secret the endpoint does not use', async () => {
    const denied = await runCtl(['--host', addr, 'id'])
    assert.equal(denied.code, 2, denied.stdout + denied.stderr)
    assert.match(denied.stdout, /Code: 401/)
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const wrong = await runCtl(['--host', addr.replace(apiPeer, other), '--timeout', '10', 'id'])
    assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr)
    assert.match(wrong.stdout, /Code: 0/)
    const pnet = await runCtl(['--host', addr, '--secret', 'ab'.repeat(32), '--timeout', '10', 'id'])
    assert.equal(pnet.code, 1, pnet.stdout + pnet.stderr)
    const bad = await runCtl(['--host', '/ip4/127.0.0.1/tcp/1/p2p/notapeer', 'id'])
    assert.equal(bad.code, 1, bad.stdout + bad.stderr)
  })
})
