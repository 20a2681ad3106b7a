import type { Command } from 'commander'
import type { CommandContext } from '../context.js'

/** Wraps a command body: builds the context from the global flags, maps errors to exit codes. */
export type Runner = (body: (ctx: CommandContext, cmd: Command) => Promise<void>) => (...args: any[]) => Promise<void>
