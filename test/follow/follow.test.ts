// The follower application (issue 11): a trusted cluster peer publishes its configuration over
// HTTP; `cluster-follow <name> init <url>` and `<name> run` start a follower from the URL alone;
// pins made on the cluster arrive and are pinned on the follower; the follower cannot write
// (through its unix-socket REST API with cluster-ctl); list / info / the bare call work.
// A configuration given as a DNSLink name or an /ipns/ or /ipfs/ path is fetched through the
// IPFS gateway of --gateway / IPFS_GATEWAY (here a plain HTTP server answering those paths, which
// is what a gateway is to its clients).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NODE, ROOT, SERVICE_BIN } from '../harness/paths.js'
import { startDaemon } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { ctlOk, runCtl } from '../harness/ctl.js'
import { waitFor } from '../harness/wait.js'

const FOLLOW_BIN = join(ROOT, 'bin', 'ipfs-cluster-follow.js')

/** Runs a bin without blocking this process (it serves the configuration URL). */
async function exec (bin: string, args: string[], env?: Record<string, string>): Promise<{ code: number, stdout: string, stderr: string }> {
  const child = spawn(NODE, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString() })
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const code = await new Promise<number>(resolve => child.once('close', c => resolve(c ?? -1)))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

async function follow (args: string[], env?: Record<string, string>): Promise<{ code: number, stdout: string, stderr: string }> {
  return await exec(FOLLOW_BIN, args, env)
}

/** The configuration's CID on the gateway: any CID, the gateway is this test's server. */
const CONFIG_CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

describe('ipfs-cluster-follow', { timeout: 300_000 }, () => {
  let d: DaemonHandle
  let server: Server
  let url = ''
  let runner: ChildProcess | undefined
  let runnerLog = ''
  const base = mkdtempSync(join(tmpdir(), 'follow-'))
  let gateway: Server
  let gatewayHost = ''
  let gatewayUp = true
  const gatewayRequests: string[] = []

  before(async () => {
    d = await startDaemon()
    // the published configuration: the cluster's, with a free port and the publisher to join
    const published = JSON.parse(readFileSync(join(d.dir, 'service.json'), 'utf8'))
    published.cluster.listen_multiaddress = ['/ip4/127.0.0.1/tcp/0']
    published.cluster.peer_addresses = [d.swarmAddr]
    published.cluster.peername = 'a-follower'
    published.consensus.crdt.trusted_peers = [d.peerId]
    server = createServer((req, res) => {
      if (req.url !== '/service.json') {
        res.writeHead(404)
        res.end()
        return
      }
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(published))
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/service.json`
    // the IPFS gateway: the configuration under a DNSLink name and under a CID
    gateway = createServer((req, res) => {
      gatewayRequests.push(req.url ?? '')
      if (!gatewayUp || (req.url !== '/ipns/config.example.org' && req.url !== `/ipfs/${CONFIG_CID}/service.json`)) {
        res.writeHead(gatewayUp ? 404 : 502)
        res.end()
        return
      }
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(published))
    })
    await new Promise<void>(resolve => gateway.listen(0, '127.0.0.1', resolve))
    gatewayHost = `127.0.0.1:${(gateway.address() as { port: number }).port}`
  })

  after(async () => {
    if (runner != null && runner.exitCode == null) {
      runner.kill('SIGTERM')
      await new Promise(resolve => runner!.once('exit', resolve))
    }
    server?.close()
    gateway?.close()
    await d?.stop()
    d?.cleanup()
    rmSync(base, { recursive: true, force: true })
  })

  /** A file added on the cluster; waits until follower `name`'s list says it is pinned. */
  async function addAndSeeFollowerPin (name: string, fileName: string, content: string): Promise<string> {
    const file = join(base, fileName)
    writeFileSync(file, content)
    const cid = (await ctlOk(['add', '-Q', file], { host: d.apiMultiaddr })).trim()
    let last = ''
    await waitFor(async () => {
      const l = await follow(['-c', base, name, 'list'])
      last = l.stdout + l.stderr
      return l.code === 0 && new RegExp(`^pinned\\s+${cid}`, 'm').test(l.stdout) ? true : undefined
    }, 90_000).catch(err => { throw new Error(`${String(err)}\nlist: ${last}\nfollower: ${runnerLog.slice(-3000)}`) })
    return cid
  }

  it('init from the URL alone; the bare call lists the cluster', async () => {
    const none = await follow(['-c', base])
    assert.equal(none.code, 0)
    assert.match(none.stdout, /No clusters are configured/)
    const bad = await follow(['-c', base, 'test', 'init', url.replace('service.json', 'nothing.json')])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /error fetching configuration from source .*HTTP 404/)
    const r = await follow(['-c', base, 'test', 'init', url])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /Cluster "test" follower peer initialized/)
    assert.deepEqual(JSON.parse(readFileSync(join(base, 'test', 'service.json'), 'utf8')), { source: url })
    assert.ok(existsSync(join(base, 'test', 'identity.json')))
    const list = await follow(['-c', base])
    assert.match(list.stdout, /Configurations found for 1 follower peers/)
    assert.match(list.stdout, /ipfs-cluster-follow "test"/)
    const again = await follow(['-c', base, 'test', 'init', url])
    assert.equal(again.code, 1)
  })

  it('run: pins of the cluster arrive; the follower cannot write; list and info', async () => {
    runner = spawn(NODE, [FOLLOW_BIN, '-c', base, 'test', 'run'], { stdio: ['ignore', 'pipe', 'pipe'] })
    runner.stdout!.on('data', (b: Buffer) => { runnerLog += b.toString() })
    runner.stderr!.on('data', (b: Buffer) => { runnerLog += b.toString() })
    const socket = join(base, 'test', 'api-socket')
    await waitFor(async () => existsSync(socket) && /READY/.test(runnerLog) ? true : undefined, 90_000)
      .catch(err => { throw new Error(`${String(err)}\n${runnerLog}`) })
    const info = await follow(['-c', base, 'test', 'info'])
    assert.equal(info.code, 0, info.stderr)
    assert.match(info.stdout, new RegExp(`Config source URL: Available \\(${url.replace(/[.?]/g, '\\$&')}\\)`))
    assert.match(info.stdout, /Cluster Peer online: true/)

    // a file added on the cluster: the follower pins it
    const cid = await addAndSeeFollowerPin('test', 'content.txt', `followed content ${Date.now()}\n`)
    // the cluster sees the follower pin it too
    await waitFor(async () => {
      const st = JSON.parse(await ctlOk(['--enc=json', 'status', cid], { host: d.apiMultiaddr }))
      return Object.values(st.peer_map as Record<string, any>).filter(p => p.status === 'pinned').length >= 1 ? true : undefined
    })

    // writes through the follower's own API are refused
    const w = await runCtl(['--host', `/unix${socket}`, 'pin', 'add', cid])
    assert.notEqual(w.code, 0)
    assert.match(w.stdout + w.stderr, /follower mode/)
    // reads work
    assert.match(await ctlOk(['--host', `/unix${socket}`, 'pin', 'ls']), new RegExp(cid))

    runner.kill('SIGTERM')
    const code = await new Promise(resolve => runner!.once('exit', resolve))
    assert.equal(code, 0, runnerLog)
    // stopped: the pinset from the local store, marked offline
    const off = await follow(['-c', base, 'test', 'list'])
    assert.equal(off.code, 0, off.stderr)
    assert.match(off.stdout, new RegExp(`^offline\\s+${cid}`, 'm'))
  })

  it('init and run --init from /ipns/, /ipfs/ paths and DNSLink names through --gateway; bad input', async () => {
    // bad input: nothing is written
    const garbage = await follow(['-c', base, 'gw', 'init', '/ipns/config.example.org', '--gateway', '127.0.0.1:notaport'])
    assert.equal(garbage.code, 1)
    assert.match(garbage.stderr, /^error: invalid gateway "127\.0\.0\.1:notaport": .*expected <host>:<port> such as 127\.0\.0\.1:8080, or an http\(s\) URL/)
    const gwScheme = await follow(['-c', base, 'gw', 'init', '/ipns/config.example.org', '--gateway', 'ftp://127.0.0.1:21'])
    assert.equal(gwScheme.code, 1)
    assert.match(gwScheme.stderr, /invalid gateway "ftp:\/\/127\.0\.0\.1:21": unsupported scheme "ftp:"/)
    const scheme = await follow(['-c', base, 'gw', 'init', 'ftp://config.example.org/service.json', '--gateway', gatewayHost])
    assert.equal(scheme.code, 1)
    assert.match(scheme.stderr, /unsupported URL scheme "ftp:" in "ftp:\/\/config\.example\.org\/service\.json"/)
    const notPath = await follow(['-c', base, 'gw', 'init', '/ipld/config', '--gateway', gatewayHost])
    assert.equal(notPath.code, 1)
    assert.match(notPath.stderr, /invalid configuration source "\/ipld\/config": expected an http\(s\) URL, an IPFS path/)
    const missing = await follow(['-c', base, 'gw', 'init', '/ipns/other.example.org', '--gateway', gatewayHost])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, new RegExp(`error fetching configuration from source http://${gatewayHost}/ipns/other\\.example\\.org: HTTP 404`))
    const notHere = await follow(['-c', base, 'gw', 'list', '--gateway', gatewayHost])
    assert.equal(notHere.code, 1)
    assert.match(notHere.stderr, /flag provided but not defined: --gateway/)
    assert.equal(existsSync(join(base, 'gw')), false)

    // a bare name is upstream's DNSLink address /ipns/<name>
    const dns = await follow(['-c', base, 'dns', 'init', 'config.example.org', `--gateway=${gatewayHost}`])
    assert.equal(dns.code, 0, dns.stderr)
    assert.match(dns.stdout, new RegExp('^config\\.example\\.org will be assumed to be an DNSLink-powered address: /ipns/config\\.example\\.org\\.\n' +
      `It will be resolved using the local IPFS daemon's gateway \\(${gatewayHost}\\)\\.\n`))
    assert.deepEqual(JSON.parse(readFileSync(join(base, 'dns', 'service.json'), 'utf8')), { source: `http://${gatewayHost}/ipns/config.example.org` })
    // an /ipfs/ path, the gateway from IPFS_GATEWAY
    const byCid = await follow(['-c', base, 'cid', 'init', `/ipfs/${CONFIG_CID}/service.json`], { IPFS_GATEWAY: gatewayHost })
    assert.equal(byCid.code, 0, byCid.stderr)
    const cidSource = `http://${gatewayHost}/ipfs/${CONFIG_CID}/service.json`
    assert.deepEqual(JSON.parse(readFileSync(join(base, 'cid', 'service.json'), 'utf8')), { source: cidSource })

    // run --init with an /ipns/ path: the follower joins and pins what the cluster adds
    runnerLog = ''
    runner = spawn(NODE, [FOLLOW_BIN, '-c', base, 'gw', 'run', '--init', '/ipns/config.example.org', '--gateway', gatewayHost], { stdio: ['ignore', 'pipe', 'pipe'] })
    runner.stdout!.on('data', (b: Buffer) => { runnerLog += b.toString() })
    runner.stderr!.on('data', (b: Buffer) => { runnerLog += b.toString() })
    const socket = join(base, 'gw', 'api-socket')
    await waitFor(async () => existsSync(socket) && /READY/.test(runnerLog) ? true : undefined, 90_000)
      .catch(err => { throw new Error(`${String(err)}\n${runnerLog}`) })
    const source = `http://${gatewayHost}/ipns/config.example.org`
    assert.deepEqual(JSON.parse(readFileSync(join(base, 'gw', 'service.json'), 'utf8')), { source })
    assert.ok(gatewayRequests.filter(r => r === '/ipns/config.example.org').length >= 3, 'init, dns init and the run loaded through the gateway')
    const info = await follow(['-c', base, 'gw', 'info'])
    assert.equal(info.code, 0, info.stderr)
    assert.match(info.stdout, new RegExp(`Config source URL: Available \\(${source.replace(/[.?]/g, '\\$&')}\\)`))
    assert.match(info.stdout, /Cluster Peer online: true/)

    await addAndSeeFollowerPin('gw', 'gateway-content.txt', `content for the gateway follower ${Date.now()}\n`)

    // the gateway down: info says so (upstream's wording)
    gatewayUp = false
    try {
      const down = await follow(['-c', base, 'cid', 'info'])
      assert.equal(down.code, 0, down.stderr)
      assert.match(down.stdout, new RegExp(`Config source URL: failed retrieving configuration source \\(${cidSource.replace(/[.?]/g, '\\$&')}\\)`))
    } finally {
      gatewayUp = true
    }
    const all = await follow(['-c', base])
    assert.match(all.stdout, /Configurations found for 4 follower peers/)
    assert.match(all.stdout, /"cid"\n.*"dns"\n.*"gw"\n.*"test"\n/)

    runner.kill('SIGTERM')
    const code = await new Promise(resolve => runner!.once('exit', resolve))
    assert.equal(code, 0, runnerLog)
  })

  it('cluster-service init <http-source-url> writes {"source": url}', async () => {
    const dir = join(base, 'svc')
    const r = await exec(SERVICE_BIN, ['--config', dir, 'init', url])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'service.json'), 'utf8')), { source: url })
    // the sections come from the URL: state commands open the store it configures
    const exp = await exec(SERVICE_BIN, ['--config', dir, 'state', 'export'])
    assert.equal(exp.code, 0, exp.stderr)
  })
})
