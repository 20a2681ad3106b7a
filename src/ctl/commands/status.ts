// `status` and `recover`: tracker status of pins on every peer (or only the contacted one).
import type { Command } from 'commander'
import type { Runner } from './types.js'
import { TrackerStatus, TrackerStatusFilters } from '../../api/types.js'
import { ClientError } from '../client/errors.js'
import { formatGlobalPinInfo } from '../format/text.js'
import { decodeCidArg } from './common.js'

const LOCAL_DESC = 'run operation only on the contacted peer'

/** Upstream's TrackerStatusFromString: known names OR-ed, spaces dropped, unknown ignored. */
export function trackerFilterValue (text: string): number {
  let v = 0
  for (const name of text.replace(/ /g, '').split(',')) v |= TrackerStatusFilters[name] ?? 0
  return v
}

/** The filter as sent to the API: a known (composite) name, or the bit names joined by commas. */
export function trackerFilterString (value: number): string {
  for (const [name, v] of Object.entries(TrackerStatusFilters)) if (v === value && v !== 0) return name
  return Object.entries(TrackerStatus).filter(([, v]) => v !== 0 && (value & v) !== 0).map(([n]) => n).join(',')
}

/** Upstream's trackerStatusAllString: every name but "undefined", composites included. */
function statusList (): string {
  return Object.keys(TrackerStatusFilters).filter(n => n !== 'undefined').map(n => '  - ' + n).sort().join('\n')
}

export function registerStatus (program: Command, run: Runner): void {
  program.command('status')
    .summary('Retrieve the status of tracked items')
    .description(`This command retrieves the status of the CIDs tracked by IPFS
Cluster, including which member is pinning them and any errors.
If one of several CIDs are provided, the status will be only fetched
for a single item.  Metadata CIDs are included in the status response.

When the --local flag is passed, it will only fetch the status from the
contacted cluster peer. By default, status will be fetched from all peers.

When the --filter flag is passed, it will only fetch the peer information
where status of the pin matches at least one of the filter values (a comma
separated list). The following are valid status values:

${statusList()}`)
    .argument('[CID...]', 'CIDs to show (all when none)')
    .option('--local', LOCAL_DESC)
    .option('--filter <statuses>', 'comma-separated list of filters', '')
    .action(run(async (ctx, cmd) => {
      const o = cmd.opts()
      const local = o.local === true
      const cids: string[] = []
      for (const a of cmd.args) {
        try {
          cids.push(decodeCidArg(a))
        } catch (err) {
          return ctx.out.fail(err, 'parsing cid')
        }
      }
      if (cids.length === 1) {
        try {
          ctx.out.print(await ctx.client.status(cids[0], local, { signal: ctx.signal }), formatGlobalPinInfo)
        } catch (err) {
          return ctx.out.fail(err)
        }
        return
      }
      if (cids.length > 1) {
        await ctx.out.printStream(ctx.client.statusCids(cids, local, { signal: ctx.signal }), formatGlobalPinInfo)
        return
      }
      const filter = trackerFilterValue(o.filter)
      if (filter === 0 && o.filter !== '') return ctx.out.fail(new ClientError('invalid filter name'), 'parsing filter flag')
      const filterStr = filter === 0 ? '' : trackerFilterString(filter)
      await ctx.out.printStream(ctx.client.statusAll(filterStr, local, { signal: ctx.signal }), formatGlobalPinInfo)
    }))

  program.command('recover')
    .summary('Recover tracked items in error state')
    .description(`This command asks Cluster peers to re-track or re-forget CIDs in
error state, usually because the IPFS pin or unpin operation has failed.

The command will wait for any operations to succeed and will return the status
of the item upon completion. Note that, when running on the full sets of tracked
CIDs (without argument), it may take a considerably long time.

When the --local flag is passed, it will only trigger recover
operations on the contacted peer (as opposed to on every peer).`)
    .argument('[CID]', 'the CID to recover (all when none)')
    .allowExcessArguments(true)
    .option('--local', LOCAL_DESC)
    .action(run(async (ctx, cmd) => {
      const local = cmd.opts().local === true
      const arg = cmd.args[0]
      if (arg != null && arg !== '') {
        let cid: string
        try {
          cid = decodeCidArg(arg)
        } catch (err) {
          return ctx.out.fail(err, 'parsing cid')
        }
        try {
          ctx.out.print(await ctx.client.recover(cid, local, { signal: ctx.signal }), formatGlobalPinInfo)
        } catch (err) {
          return ctx.out.fail(err)
        }
        return
      }
      await ctx.out.printStream(ctx.client.recoverAll(local, { signal: ctx.signal }), formatGlobalPinInfo)
    }))
}

export { LOCAL_DESC }
