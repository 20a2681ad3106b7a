// `cluster-service`: the daemon binary (upstream ipfs-cluster-service).
import { Command, Option } from 'commander'
import { createReadStream, createWriteStream } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { VERSION } from '../api/types.js'
import { ServiceConfig } from '../config/service-config.js'
import { crdtConfigSection } from '../consensus/config.js'
import { datastoreConfigSection } from '../datastore/config.js'
import { initConfig } from './init.js'
import { createLogger, parseLogLevel } from './logging.js'
import { exportState, importState, cleanupState } from '../consensus/offline.js'
import { withOfflineState } from './offline-state.js'
import { decodeStatePins } from '../consensus/state-io.js'
import type { CrdtConsensus } from '../consensus/consensus.js'
import { runDaemon } from './daemon.js'
import { programName } from '../common/program-name.js'
import { registerStateCrdt } from './state-crdt.js'

interface GlobalOpts {
  config: string
  force: boolean
  debug: boolean
  loglevel: string
}

class ExitError extends Error {
  readonly code: number
  constructor (message: string, code = 1) {
    super(message)
    this.code = code
  }
}

// the name it was called by: cluster-service or ipfs-cluster-service
const NAME = programName('cluster-service')
const program = new Command(NAME)
program
  .description(`IPFS Cluster peer with Reed-Solomon erasure coding. Run "${NAME} init" once, then "${NAME} daemon".`)
  .version(`${NAME} version ${VERSION}`, '-v, --version')
  .option('-c, --config <path>', 'path to the configuration and data folder', process.env.IPFS_CLUSTER_PATH ?? join(homedir(), '.ipfs-cluster'))
  .option('-f, --force', 'forcefully proceed with some actions, no questions asked', false)
  .option('-d, --debug', 'enable full debug logging', false)
  .option('-l, --loglevel <level>', 'level or comma list "level,facility:level"', process.env.IPFS_CLUSTER_LOG_LEVEL ?? 'info')
  .showHelpAfterError()
  .enablePositionalOptions()
  .action(() => {
    program.outputHelp({ error: true })
    throw new ExitError('', 1)
  })

function globals (): GlobalOpts & { dir: string } {
  const o = program.opts<GlobalOpts>()
  return { ...o, dir: resolve(o.config) }
}

function loggers (): ReturnType<typeof createLogger> {
  const g = globals()
  return createLogger(parseLogLevel(g.debug ? 'debug' : g.loglevel))
}

/** upstream's [y/n] prompt: y/Y yes; n/N/empty no; three tries; no terminal → no. */
async function confirm (question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    for (let i = 0; i < 3; i++) {
      const answer = (await rl.question(`${question} [y/n]: `)).trim()
      if (answer === 'y' || answer === 'Y') return true
      if (answer === '' || answer === 'n' || answer === 'N') return false
    }
    return false
  } finally {
    rl.close()
  }
}

program.command('init')
  .description('create a new configuration (service.json), identity (identity.json) and peerstore')
  .option('--consensus <name>', 'consensus component (crdt)', 'crdt')
  .option('--datastore <name>', 'datastore backend (leveldb)', 'leveldb')
  .option('-s, --custom-secret', 'prompt for the cluster secret (32 bytes, hex)', false)
  .option('--peers <multiaddrs>', 'comma-separated multiaddresses of peers (with /p2p/) to trust and remember', '')
  .option('-f, --force', 'overwrite an existing configuration without asking', false)
  .option('--randomports', 'use free random ports for the cluster and the APIs', false)
  .option('--ipfs <backend>', 'IPFS backend: embedded (a Helia node in the daemon) or kubo (ipfs_connector.ipfshttp)', 'embedded')
  .argument('[http-source-url]', 'take the configuration from this URL at every start (service.json holds only {"source": url})')
  .action(async (sourceUrl: string | undefined, o: { consensus: string, datastore: string, customSecret: boolean, peers: string, force: boolean, randomports: boolean, ipfs: string }) => {
    const g = globals()
    if (ServiceConfig.exists(g.dir) && !(o.force || g.force)) {
      if (!(await confirm('The configuration file will be overwritten. Continue?'))) throw new ExitError('aborted: the configuration exists (use --force to overwrite)')
    }
    let secret: string | undefined
    if (o.customSecret && sourceUrl == null) {
      const rl = createInterface({ input: process.stdin, output: process.stderr })
      secret = (await rl.question('Enter cluster secret (32-byte hex string): ')).trim()
      rl.close()
      if (!/^[0-9a-fA-F]{64}$/.test(secret)) throw new ExitError('the secret must be 32 bytes in hex (64 characters)')
    }
    await initConfig(g.dir, {
      consensus: o.consensus,
      datastore: o.datastore,
      peers: o.peers.split(',').map(s => s.trim()).filter(s => s !== ''),
      randomPorts: o.randomports,
      secret,
      ipfs: o.ipfs,
      source: sourceUrl
    }, line => process.stderr.write(line + '\n'))
  })

program.command('daemon')
  .description('run the cluster peer')
  .option('-j, --bootstrap <multiaddrs>', 'comma-separated multiaddresses of peers to join', '')
  .option('--init', 'initialise the configuration folder first when it has none', false)
  .option('--no-trust', 'do not trust the bootstrap peers (crdt)')
  .option('--stats', 'enable the Prometheus metrics endpoint', false)
  .addOption(new Option('-x, --leave', 'leave the cluster on shutdown').hideHelp())
  .addOption(new Option('-u, --upgrade', 'deprecated, no effect').hideHelp())
  .action(async (o: { bootstrap: string, init: boolean, trust: boolean, stats: boolean, leave?: boolean }) => {
    const g = globals()
    if (o.init && !ServiceConfig.exists(g.dir)) {
      await initConfig(g.dir, { consensus: 'crdt', datastore: 'leveldb', peers: [], randomPorts: false }, line => process.stderr.write(line + '\n'))
    }
    const code = await runDaemon({
      dir: g.dir,
      logger: loggers(),
      bootstrap: o.bootstrap.split(',').map(s => s.trim()).filter(s => s !== ''),
      trustBootstrap: o.trust,
      stats: o.stats,
      leave: o.leave === true
    })
    process.exit(code)
  })

const state = program.command('state').description('manage the peer\'s pinset offline (the daemon must be stopped)')

/** Runs a state command with the lock held and the pinset open offline (no network). */
async function withState<T> (fn: (state: CrdtConsensus) => Promise<T>): Promise<T> {
  const g = globals()
  const config = await ServiceConfig.load(g.dir)
  const log = loggers()('crdt')
  return await withOfflineState(g.dir, {
    datastore: config.get(datastoreConfigSection),
    crdt: config.get(crdtConfigSection),
    logger: { debug: m => log.debug(m), info: m => log.info(m), warn: m => log.warn(m), error: m => log.error(m) }
  }, fn)
}

registerStateCrdt(state, withState)

state.command('export')
  .description('write the pinset to a file or stdout as JSON pin objects, one per line')
  .option('-f, --file <path>', 'output file (default: stdout)', '')
  .action(async (o: { file: string }) => {
    await withState(async state => {
      const out: NodeJS.WritableStream = o.file === '' ? process.stdout : createWriteStream(o.file, { mode: 0o600 })
      for await (const line of exportState(state)) {
        if (!out.write(line)) await new Promise(resolve => out.once('drain', resolve))
      }
      if (out !== process.stdout) await new Promise<void>(resolve => out.end(resolve))
    })
  })

state.command('import')
  .description('replace the pinset with the pins of a file (or stdin) in the export format')
  .argument('[file]', 'input file (default: stdin)')
  .option('-f, --force', 'skip the confirmation prompt', false)
  .option('--rmin, --replication-min <n>', 'override replication_factor_min of every pin', '0')
  .option('--rmax, --replication-max <n>', 'override replication_factor_max of every pin', '0')
  .option('--allocs, --allocations <peers>', 'comma-separated peer IDs to allocate every pin to', '')
  .action(async (file: string | undefined, o: { force: boolean, replicationMin: string, replicationMax: string, allocations: string }) => {
    const g = globals()
    if (!(o.force || g.force) && !(await confirm('The pinset (state) of this peer will be replaced. Continue?'))) throw new ExitError('aborted')
    const rmin = Number(o.replicationMin)
    const rmax = Number(o.replicationMax)
    if (!Number.isInteger(rmin) || !Number.isInteger(rmax)) throw new ExitError('--rmin and --rmax must be integers')
    await withState(async state => {
      const input = file == null ? process.stdin : createReadStream(file)
      const n = await importState(state, decodeStatePins(input, {
        replicationMin: rmin,
        replicationMax: rmax,
        allocations: o.allocations.split(',').map(s => s.trim()).filter(s => s !== '')
      }))
      process.stderr.write(`${n} pins imported\n`)
    })
  })

state.command('cleanup')
  .description('remove the peer\'s pinset (existing pins may be lost)')
  .option('-f, --force', 'skip the confirmation prompt', false)
  .action(async (o: { force: boolean }) => {
    const g = globals()
    if (!(o.force || g.force) && !(await confirm('The peer state will be removed.  Existing pins may be lost. Continue?'))) throw new ExitError('aborted')
    await withState(async state => { await cleanupState(state) })
  })

program.command('version')
  .description('print the version')
  .action(() => { process.stdout.write(VERSION + '\n') })

program.exitOverride()
try {
  await program.parseAsync(process.argv)
} catch (err: any) {
  if (err?.code === 'commander.helpDisplayed' || err?.code === 'commander.version') process.exit(0)
  if (typeof err?.code === 'string' && err.code.startsWith('commander.')) process.exit(err.exitCode ?? 1)
  if (err instanceof ExitError) {
    if (err.message !== '') process.stderr.write(`error: ${err.message}\n`)
    process.exit(err.code)
  }
  process.stderr.write(`error: ${err?.message ?? String(err)}\n`)
  process.exit(1)
}
