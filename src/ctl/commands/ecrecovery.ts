// `ecrecovery`: asks the cluster to rebuild and re-place the lost shards of every
// erasure-coded file (POST /ecrecovery) and prints, per file that needed it, what was lost,
// what was rebuilt and where it went; "nothing needed repair" when every file was healthy.
// `--check` (POST /ecrecovery?check=true) also audits placement and moves shards that share a
// peer or a tag group with another shard of their stripe.
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
that needed repair; with --enc=json, one report per erasure-coded file.

With --check, it then verifies every stripe's placement from the shard pins: no
two shards of a stripe on one peer, nor in one tag group (the first tag:* metric
of allocate_by) while a live peer in a less used group could take one. Each
misplaced shard is copied to a live peer holding no shard of its stripe (rebuilt
from the stripe if its holder cannot give it), its pin is moved there, and the
old holder unpins it. A shard with nowhere to go is reported and left in place.
The daemons run the same check by themselves every ec_repair_grace_period.`)
    .option('--check', 'also verify that no two shards of a stripe share a peer or tag group, and move those that do', false)
    .action(run(async (ctx, cmd) => { await ecrecoveryAction(ctx, cmd.opts().check === true) }))
}

async function ecrecoveryAction (ctx: CommandContext, check: boolean): Promise<void> {
  const tty = progressWanted(ctx.out.encoding)
  let files = 0
  let repaired = 0
  let failed = 0
  let rebuilt = 0
  let moved = 0
  try {
    const path = check ? '/ecrecovery?check=true' : '/ecrecovery'
    for await (const r of ctx.client.stream<EcRecoveryReport>('POST', path, { signal: ctx.signal })) {
      files++
      rebuilt += r.rebuilt.length
      moved += (r.moved ?? []).length
      if (tty) ctx.out.io.stderr('\r\x1b[2K')
      const needed = r.lost.length > 0 || (r.tree_lost ?? []).length > 0 || (r.errors ?? []).length > 0 || (r.misplaced ?? []).length > 0
      if (needed) repaired++
      if ((r.errors ?? []).length > 0) failed++
      if (ctx.out.encoding === 'json') ctx.out.print(r, () => '')
      else if (needed) ctx.out.io.stdout(formatEcRecovery(r))
      if (tty) ctx.out.io.stderr(`ecrecovery: ${files} files checked, ${rebuilt} shards rebuilt${check ? `, ${moved} moved` : ''}`)
    }
  } catch (err) {
    if (tty) ctx.out.io.stderr('\r\x1b[2K')
    return ctx.out.fail(err)
  }
  if (tty) ctx.out.io.stderr('\r\x1b[2K')
  if (ctx.out.encoding !== 'json' && repaired === 0) {
    ctx.out.io.stdout(check
      ? `nothing needed repair, every stripe is placed on distinct peers (${files} erasure-coded files checked)\n`
      : `nothing needed repair (${files} erasure-coded files checked)\n`)
  }
  if (failed > 0) {
    ctx.out.io.stderr(`error ecrecovery: ${failed} files could not be fully repaired\n`)
    throw new ExitError(1)
  }
}

function short (peer: string): string {
  return peer === '' ? '-' : peer.slice(-8)
}

export function formatEcRecovery (r: EcRecoveryReport): string {
  const head = `${r.cid}${r.name !== '' ? ` | ${r.name}` : ''}:`
  let out = ''
  const misplaced = r.misplaced ?? []
  if (r.lost.length > 0 || (r.tree_lost ?? []).length > 0 || misplaced.length === 0) {
    const lost = r.lost.map(l => `s${l.stripe}/${l.kind}${l.index}@${short(l.holder)}(${l.reason})`)
    out += `${head} lost ${r.lost.length} [${lost.join(' ')}] | rebuilt ${r.rebuilt.length}`
    out += ` | new holders: ${r.new_holders.length > 0 ? r.new_holders.join(', ') : 'none'}`
    if ((r.tree_lost ?? []).length > 0) out += ` | tree copies lost on: ${(r.tree_lost ?? []).join(', ')}; re-copied to: ${(r.tree_copies ?? []).join(', ') || 'none'}`
    out += '\n'
  }
  if (misplaced.length > 0) {
    const found = misplaced.map(m => `s${m.stripe}/${m.kind}${m.index}@${short(m.holder)}(${m.reason === 'shared_peer' ? 'shares peer' : `shares group ${m.group ?? ''}`} with ${m.with.join(',')})`)
    const moved = (r.moved ?? []).map(m => `s${m.stripe}/${m.position} ${short(m.from)} -> ${m.to}`)
    out += `${head} misplaced ${misplaced.length} [${found.join(' ')}] | moved ${moved.length}${moved.length > 0 ? ` [${moved.join(', ')}]` : ''}\n`
  }
  for (const e of r.errors ?? []) out += `  > error: ${e}\n`
  return out
}
