// Starts real cluster-service daemons on 127.0.0.1 with their own temp folders and free ports.
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, rmSync, openSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { NODE, SERVICE_BIN } from './paths.js'

export interface DaemonOptions {
  /** edits service.json before the daemon starts */
  configure?: (serviceJson: any) => void
  env?: Record<string, string>
  /** extra daemon flags, e.g. ['--bootstrap', addr] */
  args?: string[]
  /** reuse a config folder (restart of a stopped peer) */
  dir?: string
  peername?: string
}

export interface DaemonHandle {
  dir: string
  apiUrl: string
  apiMultiaddr: string
  /** the cluster swarm address, /ip4/127.0.0.1/tcp/N/p2p/<id> */
  swarmAddr: string
  peerId: string
  proc: ChildProcess
  /**
   * when this process was started (ms since the epoch): a metric of this peer received before
   * then was sent by an earlier process of it, and expires without a successor for a while
   */
  startedAt: number
  /** SIGTERM and wait for the exit; returns the exit code */
  stop: () => Promise<number | null>
  /** SIGKILL */
  kill: () => Promise<void>
  /** SIGSTOP: the process stays but answers nothing (a network partition of one peer) */
  pause: () => void
  /** SIGCONT */
  resume: () => void
  /** starts the daemon again on the same folder */
  restart: (opts?: DaemonOptions) => Promise<DaemonHandle>
  /** removes the folder (after stop/kill) */
  cleanup: () => void
  log: () => string
}

/**
 * A free TCP port below the kernel's ephemeral range: a port-0 pick comes from that range, and
 * between picking it and the daemon binding it an outgoing connection can take it.
 */
export async function freePort (): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000)
    if (reserved.has(port)) continue
    const ok = await new Promise<boolean>(resolve => {
      const srv = createServer()
      srv.once('error', () => resolve(false))
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
    })
    if (ok) {
      reserved.add(port)
      return port
    }
  }
  throw new Error('no free port found')
}

/** ports handed out by this process, never handed out twice */
const reserved = new Set<number>()

/** Runs `cluster-service init` in a new temp folder with loopback-only addresses. */
export async function initPeer (opts: DaemonOptions = {}): Promise<string> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'cluster-test-'))
  const r = spawnSync(NODE, [SERVICE_BIN, '--config', dir, 'init', '--force'], { env: { ...process.env, ...opts.env }, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`init failed: ${r.stderr}`)
  const file = join(dir, 'service.json')
  const json = JSON.parse(readFileSync(file, 'utf8'))
  json.cluster.peername = opts.peername ?? `peer-${dir.slice(-6)}`
  json.cluster.listen_multiaddress = `/ip4/127.0.0.1/tcp/${await freePort()}`
  json.cluster.mdns_interval = '0s'
  json.api.restapi.http_listen_multiaddress = `/ip4/127.0.0.1/tcp/${await freePort()}`
  for (const name of ['ipfsproxy', 'pinsvcapi']) {
    if (json.api[name] != null) {
      const key = name === 'ipfsproxy' ? 'listen_multiaddress' : 'http_listen_multiaddress'
      json.api[name][key] = `/ip4/127.0.0.1/tcp/${await freePort()}`
    }
  }
  opts.configure?.(json)
  writeFileSync(file, JSON.stringify(json, null, 2))
  return dir
}

export async function startDaemon (opts: DaemonOptions = {}): Promise<DaemonHandle> {
  const dir = opts.dir ?? await initPeer(opts)
  const json = JSON.parse(readFileSync(join(dir, 'service.json'), 'utf8'))
  const peerId = JSON.parse(readFileSync(join(dir, 'identity.json'), 'utf8')).id as string
  const apiMultiaddr = json.api.restapi.http_listen_multiaddress as string
  const port = /\/tcp\/(\d+)/.exec(apiMultiaddr)?.[1]
  const apiUrl = `http://127.0.0.1:${port}`
  const swarmPort = /\/tcp\/(\d+)/.exec(String(json.cluster.listen_multiaddress))?.[1]
  const logFile = join(dir, 'daemon.log')
  const fd = openSync(logFile, 'a')
  const startedAt = Date.now()
  const proc = spawn(NODE, [SERVICE_BIN, '--config', dir, 'daemon', ...(opts.args ?? [])], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', fd, fd]
  })
  closeSync(fd)
  let exited: number | null | undefined
  const exit = new Promise<number | null>(resolve => proc.on('exit', code => { exited = code; resolve(code) }))
  const log = (): string => { try { return readFileSync(logFile, 'utf8') } catch { return '' } }

  const deadline = Date.now() + 90_000
  while (true) {
    if (exited !== undefined) throw new Error(`daemon exited with ${exited} before it was ready:\n${log().slice(-4000)}`)
    try {
      const res = await fetch(`${apiUrl}/id`, { signal: AbortSignal.timeout(2000), headers: authHeader(json) })
      if (res.status === 200) break
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error(`daemon not ready after 90 s:\n${log().slice(-4000)}`)
    }
    await new Promise(resolve => setTimeout(resolve, 200))
  }

  const handle: DaemonHandle = {
    dir,
    apiUrl,
    apiMultiaddr,
    swarmAddr: `/ip4/127.0.0.1/tcp/${swarmPort}/p2p/${peerId}`,
    peerId,
    proc,
    startedAt,
    log,
    stop: async () => {
      if (exited !== undefined) return exited
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000)
      const code = await exit
      clearTimeout(timer)
      return code
    },
    kill: async () => {
      if (exited !== undefined) return
      proc.kill('SIGCONT')
      proc.kill('SIGKILL')
      await exit
    },
    pause: () => { proc.kill('SIGSTOP') },
    resume: () => { proc.kill('SIGCONT') },
    restart: async (o: DaemonOptions = {}) => {
      await handle.stop()
      if (o.configure != null) {
        const file = join(dir, 'service.json')
        const j = JSON.parse(readFileSync(file, 'utf8'))
        o.configure(j)
        writeFileSync(file, JSON.stringify(j, null, 2))
      }
      return await startDaemon({ ...opts, ...o, configure: undefined, dir })
    },
    // CLUSTER_TEST_KEEP=1 keeps every peer's folder (config, daemon.log) for a post-mortem
    cleanup: () => { if (process.env.CLUSTER_TEST_KEEP !== '1') rmSync(dir, { recursive: true, force: true }) }
  }
  return handle
}

function authHeader (json: any): Record<string, string> {
  const creds = json.api?.restapi?.basic_auth_credentials
  if (creds == null) return {}
  const [user, pass] = Object.entries(creds)[0] as [string, string]
  return { authorization: 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64') }
}
