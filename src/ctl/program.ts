// The cluster-ctl command tree (commander), with upstream's global flags and commands in
// upstream's order. Global flags are only read before the command name, as with urfave/cli,
// which also keeps "-s" (--https) apart from add's "-s" (--chunker).
import { Command, Option } from 'commander'
import { VERSION } from '../api/types.js'
import { makeContext, DEFAULT_HOST } from './context.js'
import type { GlobalOptions } from './context.js'
import type { Io } from './output.js'
import type { Runner } from './commands/types.js'
import { registerId } from './commands/id.js'
import { registerPeers } from './commands/peers.js'
import { registerAdd } from './commands/add.js'
import { registerEcget } from './commands/ecget.js'
import { registerEcrecovery } from './commands/ecrecovery.js'
import { registerPin } from './commands/pin.js'
import { registerStatus } from './commands/status.js'
import { registerVersion } from './commands/version.js'
import { registerHealth, registerIpfs } from './commands/health.js'
import { registerCommands, PROGRAM_NAME as DEFAULT_NAME } from './commands/commands.js'

const description = (PROGRAM_NAME: string): string => `${PROGRAM_NAME} is a tool to manage IPFS Cluster nodes.

Use "${PROGRAM_NAME} help" to list all available commands and
"${PROGRAM_NAME} help <command>" to get usage information for a
specific one.

${PROGRAM_NAME} uses the IPFS Cluster API to perform requests and
display responses in a user-readable format. The location of the IPFS
Cluster server is assumed to be ${DEFAULT_HOST}, but can be configured
with the --host option. If several multiaddresses are specified
(comma-separated), requests will be sent to the first one and fail-over
over to the others. This also works for dns-based addresses which resolve
to multiple values.`

export interface ProgramDeps {
  io: Io
  /** aborted when the user interrupts; passed to every request and wait */
  signal: AbortSignal
  /** the name the bin was called by (cluster-ctl or ipfs-cluster-ctl); cluster-ctl by default */
  name?: string
}

export function buildProgram (deps: ProgramDeps): Command {
  const PROGRAM_NAME = deps.name ?? DEFAULT_NAME
  const program = new Command(PROGRAM_NAME)
  program
    .summary('CLI for IPFS Cluster')
    .description(description(PROGRAM_NAME))
    // upstream's help lists these under "GLOBAL OPTIONS" (scripts grep for it)
    .optionsGroup('Global Options:')
    .version(`${PROGRAM_NAME} version ${VERSION}`, '-v, --version', 'print the version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: s => { deps.io.stdout(s) },
      writeErr: s => { deps.io.stderr(s) }
    })
    .option('-l, --host <multiaddrs>', 'API endpoint multiaddresses (comma-separated)', DEFAULT_HOST)
    .option('--secret <hex>', 'cluster secret (32 byte pnet-key) as needed. Only when using the LibP2P endpoint', '')
    .option('-s, --https', 'use https to connect to the API')
    .option('--no-check-certificate', 'do not verify server TLS certificate. only valid with --https flag')
    .option('--enc, --encoding <encoding>', 'output format encoding [text, json]', 'text')
    .option('-t, --timeout <seconds>', 'number of seconds to wait before timing out a request', '0')
    .option('-d, --debug', 'set debug log level')
    .addOption(new Option('--basic-auth <user[:password]>',
      'specify BasicAuth credentials for server that requires authorization. implies --https, ' +
      'which you can disable with --force-http').env('CLUSTER_CREDENTIALS'))
    .option('-f, --force-http', 'force HTTP. only valid when using BasicAuth')

  const run: Runner = body => async (...args: any[]) => {
    const cmd = args[args.length - 1] as Command
    const ctx = await makeContext(program.opts<GlobalOptions>(), deps.io, deps.signal)
    await body(ctx, cmd)
  }

  registerId(program, run)
  registerPeers(program, run)
  registerAdd(program, run)
  // erasure-coding commands, between `add` and `pin`
  registerEcget(program, run)
  registerEcrecovery(program, run)
  registerPin(program, run)
  registerStatus(program, run)
  registerVersion(program, run)
  registerHealth(program, run)
  registerIpfs(program, run)
  registerCommands(program, deps.io, PROGRAM_NAME)
  // urfave/cli's help command is "help, h"; commander only knows "help"
  program.command('h', { hidden: true })
    .argument('[command...]')
    .action((names: string[]) => {
      let target: Command = program
      for (const n of names) target = target.commands.find(c => c.name() === n) ?? target
      target.outputHelp()
    })

  // set last, so that subcommands keep their own -h under their "Options:"
  program.helpOption('-h, --help', 'show help')

  // every (sub)command reports through the same output and exits through the same path
  const configure = (c: Command): void => {
    c.exitOverride()
    c.configureOutput({ writeOut: s => { deps.io.stdout(s) }, writeErr: s => { deps.io.stderr(s) } })
    c.commands.forEach(configure)
  }
  program.commands.forEach(configure)
  return program
}
