// `ecrecovery`: asks the cluster to rebuild and re-place the lost shards of every
// erasure-coded file (POST /ecrecovery) and prints, per file that needed it, what was lost,
// what was rebuilt and where it went; "nothing needed repair" when every file was healthy.
import type { Command } from 'commander'
import type { EcRecoveryReport } from '../../api/types.js'
import type { Runner } from './types.js'
import type { CommandContext } from '../context.js'
import { ExitError } from '../output.js'
import { progressWanted } from '../progress.js'

export function registerEcrecovery (program: Command, run: Runner): void {
  program.command('ecrecovery')
    .summary('Rebuild and re-place lost shards of erasure-coded files')
    .description(`Finds, for every erasure-coded file, the shards that are lost according to
cluster state (holder down, shard not pinned, or blocks missing on the holder),
rebuilds exactly those from the surviving shards of their stripe, stores them on
live peers that hold no other shard of the stripe, and updates the shard pins.
Healthy files are not read and nothing of them moves. Prints one line per file
that needed repair; with --enc=json, one report per erasure-coded file.`)
    .action(run(async (ctx) => { await ecrecoveryAction(ctx) }))
}

async function ecrecoveryAction (ctx: CommandContext): Promise<void> {
  const tty = progressWanted(ctx.out.encoding)
  let files = 0
  let repaired = 0
  let failed = 0
  try {
    for await (const r of ctx.client.stream<EcRecoveryReport>('POST', '/ecrecovery', { signal: ctx.signal })) {
      files++
      if (tty) ctx.out.io.stderr('\r\x1b[2K')
      const needed = r.lost.length > 0 || (r.tree_lost ?? []).length > 0 || (r.errors ?? []).length > 0
      if (needed) repaired++
      if ((r.errors ?? []).length > 0) failed++
      if (ctx.out.encoding === 'json') ctx.out.print(r, () => '')
      else if (needed) ctx.out.io.stdout(formatEcRecovery(r))
      if (tty) ctx.out.io.stderr(`ecrecovery: ${files} files checked`)
    }
  } catch (err) {
    if (tty) ctx.out.io.stderr('\r\x1b[2K')
    return ctx.out.fail(err)
  }
  if (tty) ctx.out.io.stderr('\r\x1b[2K')
  if (ctx.out.encoding !== 'json' && repaired === 0) ctx.out.io.stdout(`nothing needed repair (${files} erasure-coded files checked)\n`)
  if (failed > 0) {
    ctx.out.io.stderr(`error ecrecovery: ${failed} files could not be fully repaired\n`)
    throw new ExitError(1)
  }
}

export function formatEcRecovery (r: EcRecoveryReport): string {
  const lost = r.lost.map(l => `s${l.stripe}/${l.kind}${l.index}@${l.holder === '' ? '-' : l.holder.slice(-8)}(${l.reason})`)
  let out = `${r.cid}${r.name !== '' ? ` | ${r.name}` : ''}: lost ${r.lost.length} [${lost.join(' ')}] | rebuilt ${r.rebuilt.length}`
  out += ` | new holders: ${r.new_holders.length > 0 ? r.new_holders.join(', ') : 'none'}`
  if ((r.tree_lost ?? []).length > 0) out += ` | tree copies lost on: ${(r.tree_lost ?? []).join(', ')}; re-copied to: ${(r.tree_copies ?? []).join(', ') || 'none'}`
  out += '\n'
  for (const e of r.errors ?? []) out += `  > error: ${e}\n`
  return out
}
