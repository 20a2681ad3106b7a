// `ecget <cid> [-o folder]`: reads an erasure-coded (or replicated) file back through
// GET /ecget/{cid} and writes it to <folder>/<cid>: a file as its bytes, a directory extracted
// from the tar stream.
// Output goes to a temporary name in the same folder and is renamed at the very end, so a
// failure (unrecoverable stripes, an error mid-stream, an interrupted transfer) leaves nothing.
import { mkdir, rename, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Command } from 'commander'
import type { EcRecoveryReport } from '../../api/types.js'
import type { Runner } from './types.js'
import type { CommandContext } from '../context.js'
import { ApiError, ClientError } from '../client/errors.js'
import { errorFromBody, isErrorStatus } from '../client/response.js'
import type { Download } from '../client/download.js'
import { ProgressBar, progressWanted } from '../progress.js'
import { decodeCidArg } from './common.js'
import { extractTar } from './ec-tar.js'
import { writeFileFrom } from '../write-file.js'

export interface EcGetSummary {
  cid: string
  name: string
  kind: 'file' | 'directory'
  path: string
  /** file content bytes written */
  bytes: number
  stripes: number
  /** stripes that had lost shards (rebuilt while reading) */
  degraded: number[]
  repair: EcRecoveryReport | null
}

/** The body; a transfer cut short (no clean end) is an error. Pieces as Download gives them. */
async function * bodyOf (dl: Download): AsyncGenerator<Uint8Array> {
  yield * dl.body
  if (!dl.complete) throw new ClientError('ecget: the connection closed before the transfer completed')
}

/** The body's pieces copied, for a reader that keeps a piece past the next (the tar extractor). */
async function * copied (pieces: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const piece of pieces) yield Buffer.from(piece)
}

export function registerEcget (program: Command, run: Runner): void {
  program.command('ecget')
    .summary('Read an erasure-coded file or directory back from the cluster')
    .description(`Reads a file or directory added with "add --erasure" and writes it to
<folder>/<cid> (the current folder by default). Lost or corrupt shards are
rebuilt from parity while reading (every block is checked against its CID), and
then re-placed on other peers. If a stripe lost more shards than it has parity,
the command fails before writing anything and names the stripes. Content that
"add --erasure" replicated instead (inputs too small to code) and any other pin
are read from a good copy.`)
    .argument('<cid>', 'the content root CID printed by add --erasure (or of any pin)')
    .option('-o, --output <folder>', 'folder to write <cid> into', '.')
    .action(run(async (ctx, cmd) => { await ecgetAction(ctx, cmd) }))
}

async function ecgetAction (ctx: CommandContext, cmd: Command): Promise<void> {
  let cid: string
  try {
    cid = decodeCidArg(cmd.args[0])
  } catch (err) {
    return ctx.out.fail(err, 'parsing cid')
  }
  const folder = resolve(cmd.opts().output ?? '.')
  const final = join(folder, cid)
  const tmp = join(folder, `.${cid}.ecget-${randomBytes(4).toString('hex')}.partial`)
  let bar: ProgressBar | undefined
  let bytes = 0
  try {
    await mkdir(folder, { recursive: true })
    const dl = await ctx.client.download(() => ({ method: 'GET', path: `/ecget/${encodeURIComponent(cid)}`, signal: ctx.signal }))
    if (dl.status !== 200) {
      // the daemon decided from cluster state that the file cannot be read (or the CID is not
      // an EC file): its error body says why; nothing was written
      const body = await dl.readAll()
      if (isErrorStatus(dl.status)) throw errorFromBody(dl.status, body)
      throw new ApiError(dl.status, `unexpected answer ${dl.status} to ecget`)
    }
    const kind = dl.headers['x-ec-kind'] === 'directory' ? 'directory' : 'file'
    const total = Number(dl.headers['x-ec-file-size'] ?? NaN)
    if (progressWanted(ctx.out.encoding)) bar = new ProgressBar({ label: 'ecget', total: Number.isFinite(total) ? total : undefined })
    const count = (n: number): void => { bytes += n; bar?.add(n) }
    if (kind === 'directory') await extractTar(copied(bodyOf(dl)), tmp, count)
    else await writeFileFrom(bodyOf(dl), tmp, count)
    const streamError = dl.trailer('X-Stream-Error')
    if (streamError !== '') throw new ApiError(500, streamError)
    if (kind === 'file' && Number.isFinite(total) && bytes !== total) throw new ClientError(`ecget: got ${bytes} bytes, the file has ${total}`)
    let repair: EcRecoveryReport | null = null
    try {
      const r = dl.trailer('X-EC-Repair')
      if (r !== '') repair = JSON.parse(r)
    } catch {}
    await rm(final, { recursive: true, force: true })
    await rename(tmp, final)
    bar?.finish()
    const summary: EcGetSummary = {
      cid,
      name: decodeURIComponent(String(dl.headers['x-ec-name'] ?? '')),
      kind,
      path: final,
      bytes,
      stripes: Number(dl.headers['x-ec-stripes'] ?? 0),
      degraded: String(dl.headers['x-ec-degraded'] ?? '').split(',').filter(s => s !== '').map(Number),
      repair
    }
    ctx.out.print(summary, formatEcGet)
  } catch (err) {
    bar?.clear()
    await rm(tmp, { recursive: true, force: true }).catch(() => {})
    return ctx.out.fail(err)
  }
}

export function formatEcGet (s: EcGetSummary): string {
  let out = `${s.cid}${s.name !== '' ? ` | ${s.name}` : ''}: wrote ${s.kind} ${s.path} (${s.bytes} bytes, ${s.stripes} stripes)\n`
  const r = s.repair
  if (r != null && r.lost.length > 0) {
    out += `  > lost ${r.lost.length} shards in stripes ${[...new Set(r.lost.map(l => l.stripe))].join(', ')}; rebuilt ${r.rebuilt.length}`
    out += r.new_holders.length > 0 ? `; new holders: ${r.new_holders.join(', ')}\n` : '\n'
  }
  if ((r?.tree_lost ?? []).length > 0) out += `  > tree copies lost on ${(r?.tree_lost ?? []).join(', ')}; re-copied to ${(r?.tree_copies ?? []).join(', ') || 'none'}\n`
  for (const e of r?.errors ?? []) out += `  > repair: ${e}\n`
  return out
}
