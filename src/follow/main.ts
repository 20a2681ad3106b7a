// `cluster-follow` / `ipfs-cluster-follow` (upstream cmd/ipfs-cluster-follow): runs a follower
// peer of a collaborative cluster from a remote configuration. Each cluster has its folder
// <base>/<name> (base: ~/.ipfs-cluster-follow, --config or IPFS_CLUSTER_FOLLOW_PATH) holding
// service.json = {"source": url}, its own identity.json, and its data; the peer runs in follower
// mode (no writes) with its REST API on the unix socket <folder>/api-socket, which `list` and
// `info` (and `cluster-ctl --host /unix/<folder>/api-socket`) use. A configuration argument that is
// not an http(s) URL is read through an IPFS gateway (--gateway, IPFS_GATEWAY, default
// 127.0.0.1:8080): a DNSLink name as /ipns/<name> (upstream), or an /ipfs/ or /ipns/ path.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { VERSION } from '../api/types.js'
import type { JSONObject } from '../config/section.js'
import { DEFAULT_GATEWAY, fetchSourceConfig, followSourceUrl } from '../config/source.js'
import { ServiceConfig } from '../config/service-config.js'
import { programName } from '../common/program-name.js'
import { initConfig } from '../service/init.js'
import { createLogger, parseLogLevel } from '../service/logging.js'
import { runDaemon } from '../service/daemon.js'
import { Client } from '../ctl/client/client.js'
import { datastoreConfigSection } from '../datastore/config.js'
import { crdtConfigSection } from '../consensus/config.js'
import { withOfflineState } from '../service/offline-state.js'

const NAME = programName('cluster-follow')
const SOCKET = 'api-socket'

interface Globals { base: string, loglevel: string, gateway: string, gatewayGiven: boolean }

const USAGE = `Usage: ${NAME} [global options] [<cluster-name> <command> [args]]

Runs an IPFS Cluster follower peer: it follows a cluster's pinset, pins what it is told to and
cannot modify the pinset. The configuration comes from a URL published by the cluster.

Commands:
  <name> init <url> [--gateway <host:port>]
                               initialize the follower of cluster <name> from a configuration URL
  <name> run [--init <url>] [--gateway <host:port>]
                               run the follower peer (initializing it first with --init)
  <name> list                  list the pins of the cluster and their status on this peer
  <name> info                  show the follower's folder, source, peer ID and whether it runs
  (no arguments)               list the configured clusters

The configuration <url> is an http(s) URL, or is fetched through an IPFS gateway: a DNSLink name
(config.example.org: /ipns/config.example.org), /ipns/<name>[/path] or /ipfs/<cid>[/path].
  --gateway <host:port>  the gateway for those (default ${DEFAULT_GATEWAY}, env IPFS_GATEWAY);
                         an http(s):// URL is used as given

Global options:
  -c, --config <path>    base folder (default ~/.ipfs-cluster-follow, env IPFS_CLUSTER_FOLLOW_PATH)
  -l, --loglevel <lvl>   log level (default info)
  -v, --version          print the version
  -h, --help             show this help
`

class UsageError extends Error {}

function folderOf (g: Globals, name: string): string {
  if (name === '' || name.includes('/') || name === '.' || name === '..') throw new UsageError(`invalid cluster name "${name}"`)
  return join(g.base, name)
}

function socketOf (dir: string): string {
  return join(dir, SOCKET)
}

async function client (dir: string): Promise<Client> {
  return await Client.create({ hosts: `/unix${socketOf(dir)}`, timeoutMs: 10_000 })
}

function listClusters (g: Globals): void {
  const names = existsSync(g.base)
    ? readdirSync(g.base).filter(n => statSync(join(g.base, n)).isDirectory() && ServiceConfig.exists(join(g.base, n))).sort()
    : []
  if (names.length === 0) {
    process.stdout.write(`No clusters are configured to follow in ${g.base}.\n\n` +
      `To follow one, initialize it with the configuration URL its operators publish:\n\n` +
      `  ${NAME} <cluster-name> init <url>\n  ${NAME} <cluster-name> run\n`)
    return
  }
  process.stdout.write(`Configurations found for ${names.length} follower peers. For info and help, try running:\n\n`)
  for (const n of names) process.stdout.write(`${NAME} "${n}"\n`)
  process.stdout.write(`\nTip: "${NAME} --help" for help and examples.\n`)
}

async function init (g: Globals, name: string, arg: string, ignoreExisting: boolean): Promise<void> {
  const dir = folderOf(g, name)
  if (ServiceConfig.exists(dir)) {
    if (ignoreExisting) {
      process.stdout.write('Configuration for this cluster already exists. Skipping initialization.\n' +
        `If you wish to re-initialize, simply delete ${dir}\n\n`)
      return
    }
    throw new UsageError(`configuration for cluster "${name}" already exists in ${dir}`)
  }
  const src = followSourceUrl(arg, g.gateway)
  if (src.dnslink === true) {
    // upstream's notice for a name that is not a URL
    process.stdout.write(`${arg} will be assumed to be an DNSLink-powered address: /ipns/${arg}.\n` +
      `It will be resolved using the local IPFS daemon's gateway (${g.gateway}).\n` +
      'If this is not the case, specify the full url starting with http:// or https://.\n' +
      '(You can override the gateway URL by setting IPFS_GATEWAY)\n\n')
  } else if (src.ipfsPath != null) {
    process.stdout.write(`${arg} will be fetched through the IPFS gateway (${g.gateway}): ${src.url}\n` +
      '(You can override the gateway URL by setting IPFS_GATEWAY or with --gateway)\n\n')
  }
  // fail early, before writing anything, when the URL does not serve a configuration
  await fetchSourceConfig(src.url)
  await initConfig(dir, { consensus: 'crdt', datastore: 'leveldb', peers: [], randomPorts: false, source: src.url }, line => process.stdout.write(line + '\n'))
  process.stdout.write(`Cluster "${name}" follower peer initialized.\n\nYou can now use "${NAME} ${name} run" to start a follower peer for this cluster.\n`)
}

/** What the follower changes in the published configuration: follower mode and its own API. */
function followerEdits (dir: string) {
  return (cfg: ServiceConfig): void => {
    const j = cfg.json
    const cluster = (j.cluster ?? {}) as JSONObject
    cluster.follower_mode = true
    j.cluster = cluster
    // the published APIs are the publisher's: a follower answers only on its unix socket
    j.api = { restapi: { http_listen_multiaddress: `/unix${socketOf(dir)}` } }
    // no metrics or tracing are exposed from a follower
    delete j.observations
  }
}

async function run (g: Globals, name: string, initUrl: string | undefined): Promise<number> {
  if (initUrl != null) await init(g, name, initUrl, true)
  const dir = folderOf(g, name)
  if (!ServiceConfig.exists(dir)) {
    process.stderr.write(`This cluster peer has not been initialized.\n\nTry running "${NAME} ${name} init <config-url>" first.\n`)
    return 1
  }
  process.stdout.write(`Starting the IPFS Cluster follower peer for "${name}".\nCTRL-C to stop it.\n`)
  return await runDaemon({
    dir,
    logger: createLogger(parseLogLevel(g.loglevel)),
    bootstrap: [],
    trustBootstrap: false,
    stats: false,
    leave: false,
    edit: followerEdits(dir)
  })
}

async function list (g: Globals, name: string): Promise<number> {
  const dir = folderOf(g, name)
  if (!ServiceConfig.exists(dir)) throw new UsageError(`cluster "${name}" is not initialized (${NAME} ${name} init <url>)`)
  const print = (status: string, cid: string, pinName: string, err = ''): void => {
    process.stdout.write(`${status.padEnd(20)} ${cid} ${err !== '' ? `${pinName} (${err})` : pinName}\n`)
  }
  let c: Client | undefined
  try {
    c = await client(dir)
    await c.id()
  } catch (err: any) {
    // an API that answers with an error is running: say so rather than read the store
    if (typeof err?.code === 'number' && err.code !== 0) throw new Error(`The Peer API seems to be running but returned with code ${String(err.code)}: ${String(err.message)}`)
    c = undefined
  }
  if (c != null) {
    for await (const gpi of c.statusAll('', true)) {
      const mine = Object.values(gpi.peer_map)[0]
      print(mine?.status ?? 'unknown', gpi.cid, gpi.name, mine?.error ?? '')
    }
    return 0
  }
  // not running: the pinset from the local store (default settings: the source may be offline)
  if (!existsSync(join(dir, datastoreConfigSection.defaults().folder))) return 0
  const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
  await withOfflineState(dir, { datastore: datastoreConfigSection.defaults(), crdt: crdtConfigSection.defaults(), logger: quiet }, async state => {
    for await (const pin of state.list()) print('offline', pin.cid, pin.name)
  })
  return 0
}

async function info (g: Globals, name: string): Promise<number> {
  const dir = folderOf(g, name)
  if (!ServiceConfig.exists(dir)) throw new UsageError(`cluster "${name}" is not initialized (${NAME} ${name} init <url>)`)
  const source = (JSON.parse(await readFile(ServiceConfig.path(dir), 'utf8')) as { source?: string }).source ?? ''
  let available: string
  try {
    await fetchSourceConfig(source)
    available = `Available (${source})`
  } catch {
    available = `failed retrieving configuration source (${source})`
  }
  const identity = JSON.parse(await readFile(join(dir, 'identity.json'), 'utf8')) as { id: string }
  let online = false
  try {
    await (await client(dir)).id()
    online = true
  } catch { /* not running */ }
  process.stdout.write(`Information about follower peer for Cluster "${name}":\n\n` +
    `Config folder: ${dir}\nConfig source URL: ${available}\nCluster Peer ID: ${identity.id}\n` +
    `Cluster Peer online: ${String(online)}\nIPFS peer online: ${String(online)} (embedded in the cluster peer)\n`)
  return 0
}

async function main (argv: string[]): Promise<number> {
  const g: Globals = {
    base: process.env.IPFS_CLUSTER_FOLLOW_PATH ?? join(homedir(), '.ipfs-cluster-follow'),
    loglevel: 'info',
    gateway: process.env.IPFS_GATEWAY != null && process.env.IPFS_GATEWAY !== '' ? process.env.IPFS_GATEWAY : DEFAULT_GATEWAY,
    gatewayGiven: false
  }
  const rest: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '-h' || a === '--help' || a === 'help') {
      process.stdout.write(USAGE)
      return 0
    }
    if (a === '-v' || a === '--version') {
      process.stdout.write(`${NAME} version ${VERSION}\n`)
      return 0
    }
    const m = /^--(config|loglevel|init|gateway)=(.*)$/.exec(a)
    if (m != null || a === '-c' || a === '--config' || a === '-l' || a === '--loglevel' || a === '--init' || a === '--gateway') {
      const flag = m != null ? `--${m[1]}` : a
      const v = m != null ? m[2] : argv[++i]
      if (v == null) throw new UsageError(`flag needs an argument: ${a}`)
      if (flag === '-c' || flag === '--config') g.base = v
      else if (flag === '--init') rest.push('--init', v)
      else if (flag === '--gateway') {
        g.gateway = v
        g.gatewayGiven = true
      } else g.loglevel = v
      continue
    }
    if (a.startsWith('-')) throw new UsageError(`flag provided but not defined: ${a}`)
    rest.push(a)
  }
  g.base = resolve(g.base)
  // upstream defines --gateway on init and run only
  if (g.gatewayGiven && rest[1] !== 'init' && rest[1] !== 'run') throw new UsageError('flag provided but not defined: --gateway (init and run take it)')
  if (rest.length === 0) {
    listClusters(g)
    return 0
  }
  const [name, cmd, ...args] = rest
  switch (cmd) {
    case undefined:
    case 'info':
      return await info(g, name)
    case 'init':
      if (args.length === 0) throw new UsageError('configuration URL not provided')
      if (args.length !== 1) throw new UsageError(`usage: ${NAME} ${name} init <config-url>`)
      await init(g, name, args[0], false)
      return 0
    case 'run': {
      const i = args.indexOf('--init')
      return await run(g, name, i >= 0 ? args[i + 1] : undefined)
    }
    case 'list':
      return await list(g, name)
    default:
      throw new UsageError(`unknown command "${cmd}" (init, run, list, info)`)
  }
}

try {
  const code = await main(process.argv.slice(2))
  process.exit(code)
} catch (err: any) {
  process.stderr.write(`error: ${err?.message ?? String(err)}\n`)
  if (err instanceof UsageError) process.stderr.write(`\n${USAGE}`)
  process.exit(1)
}
