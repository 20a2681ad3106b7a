// Runs cluster-ctl on an argv and returns the exit code; main.ts wires it to the process,
// tests call it directly with captured output.
import { CommanderError } from 'commander'
import { buildProgram } from './program.js'
import { stopLibp2pClients } from './client/transport.js'
import { normalizeArgv } from './argv.js'
import { ExitError } from './output.js'
import type { Io } from './output.js'

export function processIo (): Io {
  return {
    stdout: s => { process.stdout.write(s) },
    stderr: s => { process.stderr.write(s) }
  }
}

export async function runCli (argv: string[], io: Io = processIo(), signal: AbortSignal = new AbortController().signal, name?: string): Promise<number> {
  const program = buildProgram({ io, signal, name })
  try {
    return await run(program, argv, io)
  } finally {
    await stopLibp2pClients()
  }
}

async function run (program: ReturnType<typeof buildProgram>, argv: string[], io: Io): Promise<number> {
  try {
    await program.parseAsync(normalizeArgv(argv, program), { from: 'user' })
    return 0
  } catch (err) {
    if (err instanceof ExitError) return err.exitCode
    if (err instanceof CommanderError) {
      // help and version end with code 0; usage errors were already printed by commander
      return err.exitCode === 0 ? 0 : 1
    }
    if ((err as any)?.name === 'AbortError') {
      io.stderr('error : context canceled\n')
      return 125
    }
    io.stderr(`error : ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
}
