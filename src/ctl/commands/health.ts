// `health graph|metrics|alerts|bandwidth` and `ipfs gc`.
import { writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import type { Runner } from './types.js'
import type { ConnectGraph } from '../../api/types.js'
import { makeDot } from '../format/graph.js'
import { formatAlert, formatBandwidth, formatMetric, formatRepoGC } from '../format/text.js'
import { LOCAL_DESC } from './status.js'

const lines = (items: string[] | null): string => (items ?? []).map(s => s + '\n').join('')

export function registerHealth (program: Command, run: Runner): void {
  const health = program.command('health')
    .summary('Cluster monitoring information')
    .description('Cluster monitoring information')

  health.command('graph')
    .summary('create a graph displaying connectivity of cluster peers')
    .description('This command queries all connected cluster peers and their ipfs peers to generate a\n' +
      'graph of the connections.  Output is a dot file encoding the cluster\'s connection state.')
    .allowExcessArguments(true)
    .option('-f, --file <path>', 'sets an output dot-file for the connectivity graph', '')
    .option('--all-ipfs-peers', 'causes the graph to mark nodes for ipfs peers not directly in the cluster')
    .action(run(async (ctx, cmd) => {
      const o = cmd.opts()
      let cg: ConnectGraph
      try {
        cg = await ctx.client.connectGraph({ signal: ctx.signal })
      } catch (err) {
        return ctx.out.fail(err)
      }
      // like upstream, the graph is DOT whatever the encoding
      const dot = makeDot(cg, o.allIpfsPeers === true)
      if (o.file === '') {
        ctx.out.io.stdout(dot)
        return
      }
      try {
        await writeFile(o.file, dot)
      } catch (err) {
        return ctx.out.fail(err, 'creating output file')
      }
    }))

  health.command('metrics')
    .summary('List latest metrics logged by this peer')
    .description(`This commands displays the latest valid metrics of the given type logged
by this peer for all current cluster peers.

If no argument is provided, the command retrieves all currently existing metric types.

Currently supported metrics depend on the informer component used,
but usually are:

- freespace
- ping`)
    .argument('[metric name]', 'the metric to show')
    .allowExcessArguments(true)
    .action(run(async (ctx, cmd) => {
      const name = cmd.args[0] ?? ''
      try {
        if (name === '') {
          ctx.out.print(await ctx.client.metricNames({ signal: ctx.signal }), lines)
        } else {
          ctx.out.print(await ctx.client.metrics(name, { signal: ctx.signal }), ms => ms.map(m => formatMetric(m)).join(''))
        }
      } catch (err) {
        return ctx.out.fail(err)
      }
    }))

  health.command('alerts')
    .summary('List the latest expired metric alerts')
    .description(`This command provides a list of "alerts" that the cluster has seen.

An alert is triggered when one of the metrics seen for a peer expires, and no
new metrics have been received.

Different alerts may be handled in different ways. i.e. ping alerts may
trigger automatic repinnings if configured.`)
    .allowExcessArguments(true)
    .action(run(async (ctx) => {
      try {
        ctx.out.print(await ctx.client.alerts({ signal: ctx.signal }), as => as.map(a => formatAlert(a)).join(''))
      } catch (err) {
        return ctx.out.fail(err)
      }
    }))

  health.command('bandwidth')
    .summary('Lists bandwidth stats for libp2p protocols')
    .description('This command lists information about bytes sent, received and current bandwidth\n' +
      'rates for each libp2p protocol that the peer uses.')
    .allowExcessArguments(true)
    .action(run(async (ctx) => {
      try {
        ctx.out.print(await ctx.client.bandwidthByProtocol({ signal: ctx.signal }), formatBandwidth)
      } catch (err) {
        return ctx.out.fail(err)
      }
    }))
}

export function registerIpfs (program: Command, run: Runner): void {
  const ipfs = program.command('ipfs')
    .summary('Manage IPFS daemon')
    .description('Manage IPFS daemon')

  ipfs.command('gc')
    .summary('run garbage collection on IPFS repos of cluster peers')
    .description(`This command will instruct current Cluster peers to run "repo gc" on their
respective IPFS daemons.

When --local flag is passed, it will garbage collect only on the local IPFS
daemon, otherwise on all IPFS daemons.`)
    .allowExcessArguments(true)
    .option('--local', LOCAL_DESC)
    .action(run(async (ctx, cmd) => {
      try {
        ctx.out.print(await ctx.client.repoGC(cmd.opts().local === true, { signal: ctx.signal }), formatRepoGC)
      } catch (err) {
        return ctx.out.fail(err)
      }
    }))
}
