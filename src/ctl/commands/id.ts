// `id`: the contacted peer's identity.
import type { Command } from 'commander'
import type { Runner } from './types.js'
import { formatId } from '../format/text.js'

export function registerId (program: Command, run: Runner): void {
  program.command('id')
    .summary('Retrieve peer information')
    .description('This command displays information about the peer that the tool is contacting\n(usually running in localhost).')
    .allowExcessArguments(true)
    .action(run(async (ctx) => {
      try {
        ctx.out.print(await ctx.client.id({ signal: ctx.signal }), formatId)
      } catch (err) {
        return ctx.out.fail(err)
      }
    }))
}
