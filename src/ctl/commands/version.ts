// `version`: the version of the contacted peer (the CLI's own is -v).
import type { Command } from 'commander'
import type { Runner } from './types.js'
import { formatVersion } from '../format/text.js'

export function registerVersion (program: Command, run: Runner): void {
  program.command('version')
    .summary('Retrieve cluster version')
    .description('This command retrieves the IPFS Cluster version and can be used\n' +
      'to check that it matches the CLI version (shown by -v).')
    .allowExcessArguments(true)
    .action(run(async (ctx) => {
      try {
        ctx.out.print(await ctx.client.version({ signal: ctx.signal }), formatVersion)
      } catch (err) {
        return ctx.out.fail(err)
      }
    }))
}
