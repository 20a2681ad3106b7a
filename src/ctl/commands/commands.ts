// Hidden `commands`: every command path, one per line, as upstream's walkCommands prints them.
import type { Command } from 'commander'
import type { Io } from '../output.js'

export const PROGRAM_NAME = 'cluster-ctl'

export function commandPaths (program: Command, prefix = PROGRAM_NAME): string[] {
  const out: string[] = []
  // "h" is only the alias of help (listed once, last, as "help")
  for (const c of program.commands.filter(c => c.name() !== 'h')) {
    const path = `${prefix} ${c.name()}`
    out.push(path)
    out.push(...commandPaths(c, path))
  }
  return out
}

export function registerCommands (program: Command, io: Io, name: string = PROGRAM_NAME): void {
  program.command('commands', { hidden: true })
    .summary('List all commands')
    .allowExcessArguments(true)
    .action(() => {
      // the auto-added help command comes last, as in urfave/cli
      const lines = [...commandPaths(program, name), `${name} help`]
      io.stdout(lines.join('\n') + '\n')
    })
}
