// `peers ls` and `peers rm`. There is no `peers add` (upstream removed it).
import type { Command } from 'commander'
import type { Runner } from './types.js'
import { formatId } from '../format/text.js'
import { decodePeerId } from './common.js'

export function registerPeers (program: Command, run: Runner): void {
  const peers = program.command('peers')
    .summary('List and manage IPFS Cluster peers')
    .description('List and manage IPFS Cluster peers')

  peers.command('ls')
    .summary('list the nodes participating in the IPFS Cluster')
    .description('This command provides a list of the ID information of all the peers in the Cluster.')
    .allowExcessArguments(true)
    .action(run(async (ctx) => {
      await ctx.out.printStream(ctx.client.peers({ signal: ctx.signal }), formatId)
    }))

  peers.command('rm')
    .summary('remove a peer from the Cluster')
    .description('This command removes a peer from the cluster. If the peer is online, it will\n' +
      'automatically shut down. All other cluster peers should be online for the\n' +
      'operation to succeed, otherwise some nodes may be left with an outdated list of\n' +
      'cluster peers.')
    .argument('[peer ID]', 'the peer to remove')
    .allowExcessArguments(true)
    .action(run(async (ctx, cmd) => {
      let pid: string
      try {
        pid = decodePeerId(cmd.args[0])
      } catch (err) {
        return ctx.out.fail(err, 'parsing peer ID')
      }
      try {
        await ctx.client.peerRm(pid, { signal: ctx.signal })
      } catch (err) {
        return ctx.out.fail(err)
      }
    }))
}
