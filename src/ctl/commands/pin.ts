// `pin add`, `pin rm`, `pin update`, `pin ls`. Pins always go through the path routes
// (/pins/ipfs/<cid>…), the only ones where direct mode is honoured upstream.
import type { Command } from 'commander'
import type { Runner } from './types.js'
import type { CommandContext } from '../context.js'
import { defaultPinOptions } from '../../api/pin.js'
import type { Pin, PinMode } from '../../api/types.js'
import { PinTypes } from '../../api/types.js'
import { formatPin } from '../format/text.js'
import { collect, decodeAllocations, decodeCidArg, durationArg, expireAtOf, intArg, parseMetadata } from './common.js'
import { handlePinResponse } from './pinresponse.js'

const WAIT_DESC = 'Wait for the pin to reach the minimum replication factor before returning'
const WAIT_LIMIT_DESC = 'How many peers should reach the desired status to finish waiting'
const WAIT_TIMEOUT_DESC = 'How long to --wait (Go duration, e.g. 30s). Default: forever'

function waitFlags (cmd: Command, what: string): Command {
  return cmd
    .option('--ns, --no-status', `Prevents fetching pin status after ${what} (faster, quieter)`)
    .option('-w, --wait', WAIT_DESC)
    .option('--wl, --wait-limit <n>', WAIT_LIMIT_DESC, intArg, 0)
    .option('--wt, --wait-timeout <duration>', WAIT_TIMEOUT_DESC, durationArg, 0)
}

function modeOf (ctx: CommandContext, mode: string): PinMode {
  if (mode === 'direct') return 'direct'
  if (mode !== 'recursive' && mode !== '') ctx.out.io.stderr(`WARN\tapitypes\tunknown pin mode "${mode}". Defaulting to recursive\n`)
  return 'recursive'
}

export function registerPin (program: Command, run: Runner): void {
  const pin = program.command('pin')
    .summary('Pin and unpin and list items in IPFS Cluster')
    .description('Pin and unpin and list items in IPFS Cluster')

  waitFlags(pin.command('add')
    .summary('Pin an item in the cluster')
    .description(`This command tells IPFS Cluster to start managing a CID. Depending on
the pinning strategy, this will trigger IPFS pin requests. The CID will
become part of the Cluster's state and will tracked from this point.

When the request has succeeded, the command returns the status of the CID
in the cluster and should be part of the list offered by "pin ls".

An optional replication factor can be provided: -1 means "pin everywhere"
and 0 means use cluster's default setting (i.e., replication factor set in
config). Positive values indicate how many peers should pin this content.

An optional allocations argument can be provided, allocations should be a
comma-separated list of peer IDs on which we want to pin. Peers in allocations
are prioritized over automatically-determined ones, but replication factors
would still be respected.`)
    .argument('[CID|Path]', 'what to pin')
    .allowExcessArguments(true)
    .option('-r, --replication <n>', 'Sets a custom replication factor (overrides -rmax and -rmin)', intArg, 0)
    .option('--rmin, --replication-min <n>', 'Sets the minimum replication factor for this pin', intArg, 0)
    .option('--rmax, --replication-max <n>', 'Sets the maximum replication factor for this pin', intArg, 0)
    .option('--allocs, --allocations <peers>', 'Optional comma-separated list of peer IDs')
    .option('-n, --name <name>', 'Sets a name for this pin', '')
    .option('--mode <mode>', 'Select a way to pin: recursive or direct', 'recursive')
    .option('--expire-in <duration>', 'Duration after which pin should be unpinned automatically')
    .option('--metadata <key=value>', 'Pin metadata: key=value. Can be added multiple times', collect, []), 'pinning')
    .action(run(async (ctx, cmd) => {
      const o = cmd.opts()
      let rmin: number = o.replicationMin
      let rmax: number = o.replicationMax
      if (o.replication !== 0) {
        rmin = o.replication
        rmax = o.replication
      }
      const opts = defaultPinOptions()
      try {
        opts.user_allocations = decodeAllocations(o.allocations)
      } catch (err) {
        return ctx.out.fail(err, 'decoding allocations')
      }
      try {
        opts.expire_at = expireAtOf(o.expireIn)
        opts.metadata = parseMetadata(o.metadata)
      } catch (err) {
        return ctx.out.fail(err)
      }
      opts.replication_factor_min = rmin
      opts.replication_factor_max = rmax
      opts.name = o.name
      opts.mode = modeOf(ctx, o.mode)
      let p: Pin
      try {
        p = await ctx.client.pinPath(cmd.args[0] ?? '', opts, { signal: ctx.signal })
      } catch (err) {
        return ctx.out.fail(err)
      }
      await handlePinResponse(ctx, o, cmd.getOptionValueSource('waitLimit') === 'cli', p, 'pinned')
    }))

  waitFlags(pin.command('rm')
    .summary('Unpin an item from the cluster')
    .description(`This command tells IPFS Cluster to no longer manage a CID. This will
trigger unpinning operations in all the IPFS nodes holding the content.

When the request has succeeded, the command returns the status of the CID
in the cluster. The CID should disappear from the list offered by "pin ls",
although unpinning operations in the cluster may take longer or fail.`)
    .argument('[CID|Path]', 'what to unpin')
    .allowExcessArguments(true), 'unpinning')
    .action(run(async (ctx, cmd) => {
      const o = cmd.opts()
      let p: Pin
      try {
        p = await ctx.client.unpinPath(cmd.args[0] ?? '', { signal: ctx.signal })
      } catch (err) {
        return ctx.out.fail(err)
      }
      await handlePinResponse(ctx, o, cmd.getOptionValueSource('waitLimit') === 'cli', p, 'unpinned')
    }))

  waitFlags(pin.command('update')
    .summary('Pin a new item based on an existing one')
    .description(`This command will add a new pin to the cluster taking all the options from an
existing one, including name. This means that the new pin will bypass the
allocation process and will be allocated to the same peers as the existing
one.

The cluster peers will try to Pin the new item on IPFS using the "pin update"
command. This is especially efficient when the content of two pins (their DAGs)
are similar.

Unlike the "pin update" command in the ipfs daemon, this will not unpin the
existing item from the cluster. Please run "pin rm" for that.`)
    .argument('[existing-CID]', 'the pin to take the options from')
    .argument('[new-CID|Path]', 'what to pin')
    .allowExcessArguments(true)
    .option('-n, --name <name>', 'Sets a name for this updated pin', '')
    .option('--expire-in <duration>', 'Duration after which the pin should be unpinned automatically after updating'),
  'updating')
    .action(run(async (ctx, cmd) => {
      const o = cmd.opts()
      const opts = defaultPinOptions()
      try {
        opts.pin_update = decodeCidArg(cmd.args[0])
      } catch (err) {
        return ctx.out.fail(err, 'parsing from Cid')
      }
      try {
        opts.expire_at = expireAtOf(o.expireIn)
      } catch (err) {
        return ctx.out.fail(err, 'parsing expire-in')
      }
      opts.name = o.name
      let p: Pin
      try {
        p = await ctx.client.pinPath(cmd.args[1] ?? '', opts, { signal: ctx.signal })
      } catch (err) {
        return ctx.out.fail(err)
      }
      await handlePinResponse(ctx, o, cmd.getOptionValueSource('waitLimit') === 'cli', p, 'pinned')
    }))

  pin.command('ls')
    .summary('List items in the cluster pinset')
    .description(`This command will list the CIDs which are tracked by IPFS Cluster and to
which peers they are currently allocated. This list does not include
any monitoring information about the IPFS status of the CIDs, it
merely represents the list of pins which are part of the shared state of
the cluster. For IPFS-status information about the pins, use "status".

The filter only takes effect when listing all pins. The possible values are:
  - all (default)
  - pin (normal pins, recursive or direct)
  - meta-pin (sharded pins)
  - clusterdag-pin (sharding-dag root pins)
  - shard-pin (individual shard pins)`)
    .argument('[CID]', 'a single pin to show')
    .allowExcessArguments(true)
    .option('--filter <types>', 'Comma separated list of pin types. See help above.', 'all')
    .action(run(async (ctx, cmd) => {
      const arg = cmd.args[0]
      if (arg != null && arg !== '') {
        let cid: string
        try {
          cid = decodeCidArg(arg)
        } catch (err) {
          return ctx.out.fail(err, 'parsing cid')
        }
        try {
          ctx.out.print(await ctx.client.allocation(cid, { signal: ctx.signal }), formatPin)
        } catch (err) {
          return ctx.out.fail(err)
        }
        return
      }
      await ctx.out.printStream(ctx.client.allocations(pinTypesOfFilter(cmd.opts().filter), { signal: ctx.signal }), formatPin)
    }))
}

/** Upstream's PinTypeFromString OR-ed over the list: unknown names count as "bad-type". */
export function pinTypesOfFilter (filter: string): string[] {
  let mask = 0
  for (const f of filter.split(',')) {
    if (f === 'all' || f === '') mask |= 30
    else mask |= (PinTypes as Record<string, number>)[f] ?? PinTypes['bad-type']
  }
  if ((mask & 30) === 30) return ['all']
  return (['pin', 'meta-pin', 'clusterdag-pin', 'shard-pin'] as const).filter(t => (mask & PinTypes[t]) !== 0)
}
