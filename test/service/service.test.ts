// cluster-service through its real binary: init, version, the daemon's lifecycle, state
// export/import/cleanup, and durability across SIGKILL.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NODE, SERVICE_BIN } from '../harness/paths.js'
import { startDaemon } from '../harness/daemon.js'
import { ctlOk, runCtl } from '../harness/ctl.js'
import { parseStream, waitFor } from '../harness/wait.js'

function service (args: string[], env: Record<string, string> = {}, input?: string): { code: number, stdout: string, stderr: string } {
  const r = spawnSync(NODE, [SERVICE_BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', input: input ?? '' })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

const KNOWN_CID = 'QmbrCtydGyPeHiLURSPMqrvE5mCgMCwFYq3UD4XLCeAYw6' // echo test_53 | ipfs add

test('init writes service.json, identity.json and peerstore with upstream names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svc-init-'))
  try {
    const r = service(['--config', dir, 'init'], { CLUSTER_PEERNAME: 'from-env', CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS: '/ip4/127.0.0.1/tcp/19094' })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /configuration written to .*service\.json\./)
    assert.match(r.stderr, /new identity written to .*identity\.json/)
    assert.match(r.stderr, /new empty peerstore written to .*peerstore\./)
    const cfg = JSON.parse(readFileSync(join(dir, 'service.json'), 'utf8'))
    for (const key of ['cluster', 'consensus', 'api', 'ipfs_connector', 'pin_tracker', 'monitor', 'allocator', 'informer', 'datastore']) {
      assert.ok(cfg[key] != null, `section ${key}`)
    }
    assert.equal(cfg.cluster.peername, 'from-env', 'CLUSTER_PEERNAME is persisted by init')
    assert.equal(cfg.api.restapi.http_listen_multiaddress, '/ip4/127.0.0.1/tcp/19094')
    assert.match(cfg.cluster.secret, /^[0-9a-f]{64}$/)
    assert.equal(cfg.cluster.listen_multiaddress, '/ip4/0.0.0.0/tcp/9096')
    assert.equal(cfg.cluster.disable_repinning, true)
    assert.deepEqual(cfg.consensus.crdt.trusted_peers, ['*'])
    assert.equal(cfg.consensus.raft, undefined)
    assert.equal(statSync(join(dir, 'service.json')).mode & 0o777, 0o600)
    const id = JSON.parse(readFileSync(join(dir, 'identity.json'), 'utf8'))
    assert.match(id.id, /^12D3KooW/)
    assert.ok(typeof id.private_key === 'string' && id.private_key.length > 40)
    assert.equal(readFileSync(join(dir, 'peerstore'), 'utf8'), '')

    // without --force and without a terminal to ask: refused, nothing overwritten
    const again = service(['--config', dir, 'init'])
    assert.notEqual(again.code, 0)
    assert.equal(JSON.parse(readFileSync(join(dir, 'service.json'), 'utf8')).cluster.peername, 'from-env')

    // --force rewrites the config but keeps the identity
    const forced = service(['--config', dir, 'init', '--force', '--peers', '/ip4/127.0.0.1/tcp/9196/p2p/12D3KooWJdyQRt2sP3ko6CH4QUKTuaHiW2pCWoTLdy8Lr4wEhjjF'])
    assert.equal(forced.code, 0, forced.stderr)
    assert.equal(JSON.parse(readFileSync(join(dir, 'identity.json'), 'utf8')).id, id.id)
    assert.match(readFileSync(join(dir, 'peerstore'), 'utf8'), /\/ip4\/127\.0\.0\.1\/tcp\/9196\/p2p\/12D3KooWJdyQRt2sP3ko6CH4QUKTuaHiW2pCWoTLdy8Lr4wEhjjF/)
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'service.json'), 'utf8')).consensus.crdt.trusted_peers, ['12D3KooWJdyQRt2sP3ko6CH4QUKTuaHiW2pCWoTLdy8Lr4wEhjjF'])

    const bad = service(['--config', dir, 'init', '--force', '--consensus', 'raft'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /raft/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('version, --version and a missing subcommand', () => {
  const v = service(['version'])
  assert.equal(v.code, 0)
  assert.equal(v.stdout.trim(), '1.1.6')
  const vv = service(['--version'])
  assert.equal(vv.code, 0)
  assert.match(vv.stdout, /cluster-service version 1\.1\.6/)
  const none = service([])
  assert.equal(none.code, 1)
  assert.match(none.stderr + none.stdout, /Usage/i)
  const help = service(['--help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /^Usage/m)
})

test('daemon refuses a broken configuration with a clear message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svc-bad-'))
  try {
    assert.equal(service(['--config', dir, 'init']).code, 0)
    const file = join(dir, 'service.json')
    const cfg = JSON.parse(readFileSync(file, 'utf8'))
    cfg.cluster.secret = 'not-hex'
    writeFileSync(file, JSON.stringify(cfg))
    const r = service(['--config', dir, 'daemon'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /secret/)
    const missing = service(['--config', join(dir, 'nowhere'), 'daemon'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /init/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('state export / cleanup / import with the daemon stopped, and the lock while it runs', async () => {
  const d = await startDaemon()
  try {
    const t53 = join(d.dir, 'test_53.txt')
    writeFileSync(t53, 'test_53\n')
    const added = await ctlOk(['add', '-q', t53], { host: d.apiMultiaddr })
    assert.equal(added.trim(), KNOWN_CID)
    await ctlOk(['pin', 'add', '--name', 'second', '--no-status', 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'], { host: d.apiMultiaddr })

    const locked = service(['--config', d.dir, 'state', 'export'])
    assert.equal(locked.code, 1, 'state export must not run beside the daemon')
    assert.match(locked.stderr, /lock/)

    assert.equal(await d.stop(), 0, 'SIGTERM shuts down cleanly')

    const exp = service(['--config', d.dir, 'state', 'export'])
    assert.equal(exp.code, 0, exp.stderr)
    const pins = exp.stdout.trim().split('\n').map(l => JSON.parse(l))
    assert.deepEqual(pins.map(p => p.cid).sort(), [KNOWN_CID, 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'].sort())
    const file = join(d.dir, 'export.json')
    assert.equal(service(['--config', d.dir, 'state', 'export', '-f', file]).code, 0)
    assert.equal(readFileSync(file, 'utf8'), exp.stdout)

    const badFile = join(d.dir, 'bad.json')
    writeFileSync(badFile, 'not exactly json')
    const bad = service(['--config', d.dir, 'state', 'import', '-f', badFile])
    assert.equal(bad.code, 1)
    assert.equal(service(['--config', d.dir, 'state', 'export']).stdout, exp.stdout, 'a bad import leaves the state as it was')

    assert.equal(service(['--config', d.dir, 'state', 'cleanup', '-f']).code, 0)
    assert.equal(service(['--config', d.dir, 'state', 'export']).stdout, '')

    // upstream's importState fixture: one pretty-printed pin
    const pretty = join(d.dir, 'importState')
    writeFileSync(pretty, JSON.stringify({ cid: KNOWN_CID, name: '', allocations: [], replication_factor_min: -1, replication_factor_max: -1 }, null, 2))
    const imp = service(['--config', d.dir, 'state', 'import', '-f', pretty])
    assert.equal(imp.code, 0, imp.stderr)
    const after = service(['--config', d.dir, 'state', 'export']).stdout.trim().split('\n').map(l => JSON.parse(l))
    assert.equal(after.length, 1)
    assert.equal(after[0].cid, KNOWN_CID)

    // the imported pin is pinned once the daemon runs again
    const d2 = await d.restart()
    try {
      const st = await waitFor(async () => {
        const out = await ctlOk(['--enc=json', 'status', KNOWN_CID], { host: d2.apiMultiaddr })
        const gpi = JSON.parse(out)
        return Object.values(gpi.peer_map as Record<string, any>).every(p => p.status === 'pinned') ? gpi : undefined
      })
      assert.equal(st.cid, KNOWN_CID)
    } finally {
      await d2.stop()
    }
  } finally {
    await d.kill()
    d.cleanup()
  }
})

test('durability: pins survive SIGKILL and report pinned after restart', async () => {
  const d = await startDaemon()
  let current = d
  try {
    const cids: string[] = []
    for (let i = 0; i < 5; i++) {
      const file = join(d.dir, `durable-${i}`)
      writeFileSync(file, `durable content ${i}\n`.repeat(1000 * (i + 1)))
      cids.push((await ctlOk(['add', '-Q', file], { host: d.apiMultiaddr })).trim())
    }
    await waitFor(async () => {
      const out = await ctlOk(['--enc=json', 'status', '--filter', 'pinned'], { host: d.apiMultiaddr })
      return out.split('"cid"').length - 1 === cids.length ? true : undefined
    })
    const before = (await ctlOk(['--enc=json', 'pin', 'ls'], { host: d.apiMultiaddr }))
    await d.kill()
    assert.ok(existsSync(join(d.dir, 'cluster.lock')), 'SIGKILL leaves the lock file behind')
    current = await d.restart()
    const after = await ctlOk(['--enc=json', 'pin', 'ls'], { host: current.apiMultiaddr })
    assert.deepEqual(parseStream(after).map(p => p.cid).sort(), parseStream(before).map(p => p.cid).sort())
    await waitFor(async () => {
      const out = await ctlOk(['--enc=json', 'status'], { host: current.apiMultiaddr })
      const gpis = parseStream(out)
      return gpis.length === cids.length && gpis.every(g => Object.values(g.peer_map as Record<string, any>).every(p => p.status === 'pinned')) ? true : undefined
    })
    // the blocks are really there: ipfs gc keeps every pinned block
    const gc = JSON.parse(await ctlOk(['--enc=json', 'ipfs', 'gc'], { host: current.apiMultiaddr }))
    const removed = Object.values(gc.peer_map as Record<string, any>).flatMap(p => p.keys ?? [])
    for (const cid of cids) assert.ok(!removed.some((k: any) => k.key === cid), `${cid} must not be collected`)
  } finally {
    await current.kill()
    d.cleanup()
  }
})

test('ctl reaches a stopped daemon: exit 1 with a message', async () => {
  const r = await runCtl(['id'], { host: '/ip4/127.0.0.1/tcp/1' })
  assert.equal(r.code, 1)
})

test('a section missing from service.json disables that API', async () => {
  let proxyAddr = ''
  const d = await startDaemon({
    configure: json => {
      proxyAddr = json.api.ipfsproxy.listen_multiaddress
      delete json.api.ipfsproxy
    }
  })
  try {
    const port = /\/tcp\/(\d+)/.exec(proxyAddr)?.[1]
    await assert.rejects(fetch(`http://127.0.0.1:${port}/api/v0/version`, { method: 'POST' }), 'no IPFS proxy listens')
    const cfg = JSON.parse(readFileSync(join(d.dir, 'service.json'), 'utf8'))
    const pinsvc = /\/tcp\/(\d+)/.exec(cfg.api.pinsvcapi.http_listen_multiaddress)?.[1]
    const res = await fetch(`http://127.0.0.1:${pinsvc}/pins`)
    assert.equal(res.status, 200, 'the Pinning Service API, still configured, answers')
  } finally {
    await d.kill()
    d.cleanup()
  }
})
