// `add`: uploads files, directories or URLs through POST /add and prints what was added,
// with upstream's flags plus the erasure-coding ones (--erasure, --data-shards,
// --parity-shards, --shard-size). A progress bar shows upload progress on a TTY.
import { Option } from 'commander'
import type { Command } from 'commander'
import type { Runner } from './types.js'
import type { CommandContext } from '../context.js'
import type { AddedOutput } from '../../api/types.js'
import { defaultAddParams } from '../../api/params.js'
import type { AddParams } from '../../api/params.js'
import { ClientError } from '../client/errors.js'
import { prepareSources, totalSize } from '../client/multipart.js'
import type { AddSource } from '../client/multipart.js'
import { waitFor } from '../client/wait.js'
import { formatAdded } from '../format/text.js'
import { ProgressBar, progressWanted } from '../progress.js'
import { parseChunkerSpec } from '../../adder/chunker.js'
import { chooseShardSize } from '../../erasure/policy.js'
import { collect, durationArg, expireAtOf, intArg, lenientAllocations, parseMetadata } from './common.js'

const DESCRIPTION = `Add allows to add and replicate content to several ipfs daemons, performing
a Cluster Pin operation on success. It takes elements from local paths as
well as from web URLs (accessed with a GET request). Providing several
arguments will automatically set --wrap-in-directory.

Cluster "add" works, by default, just like "ipfs add" and has similar options
in terms of DAG layout, chunker, hash function etc. It also supports adding
CAR files directly (--format car), as long as they have a single root. When
adding CAR files, all the options related to dag-building are ignored.

Added content will be allocated and sent block by block to the peers that
should pin it (among which may not necessarily be the local ipfs daemon).
Once all the blocks have arrived, they will be "cluster-pinned". This makes
cluster add slower than a local ipfs add, but the result is a fully replicated
on completion. If you prefer faster adding, use the --local flag to add
directly to the local IPFS node and pin in the destinations after that.
Note that the local IPFS node may not be among the destinations, which will
leave the unpinned content in it.

Optional replication-min and replication-max factors can be provided: -1 means
"pin everywhere" and 0 means use cluster's default setting (i.e., replication
factor set in config). Positive values indicate how many peers should pin this
content.

With --erasure, every file is split into data shards of --shard-size bytes and
Reed-Solomon parity shards are computed: each stripe of --data-shards data
shards gets --parity-shards parity shards, and all shards of a stripe are
placed on different peers, so the file survives the loss of any
--parity-shards of them. Without --shard-size, the shard size is computed from
the total input size so the input fills whole stripes (whole chunks, at most
16 MiB per shard: a bigger input gets more stripes); for URLs the cluster's
default is used.
Inputs too small for erasure coding to save space are stored as a normal pin
with --parity-shards+1 replicas (same loss tolerance): only the usual added
lines are printed for them.`

/**
 * Ceiling of the automatic shard size. Small enough that a stripe ((d+p) x shard) stays a
 * modest amount of daemon memory and a big file is several stripes; --shard-size goes up to
 * the daemon's cluster.ec_max_shard_size.
 */
const AUTO_MAX_SHARD_SIZE = 16 * 1024 * 1024

/**
 * The shard size for --erasure without --shard-size: only the client knows the input size
 * before the upload, so it sizes the shards to fill whole stripes. Undefined (the daemon then
 * uses its default) when the size is unknown (URLs) or the options are invalid (the daemon
 * reports those with a proper message).
 */
export function autoShardSize (params: AddParams, inputSize: number | undefined): number | undefined {
  if (inputSize == null) return undefined
  try {
    const spec = parseChunkerSpec(params.chunker)
    const chunkSize = spec.kind === 'size' ? spec.size : spec.max
    return chooseShardSize({ fileSize: inputSize, d: params.data_shards, p: params.parity_shards, chunkSize, maxShardSize: Math.max(chunkSize, AUTO_MAX_SHARD_SIZE) }).shardSize
  } catch {
    return undefined
  }
}

/** Upstream's AddParams from the flags (the CLI always sends the full set). */
export function addParamsFromFlags (o: Record<string, any>, nPaths: number, shardSizeGiven: boolean): AddParams {
  const p = defaultAddParams()
  p.replication_factor_min = o.replicationMin
  p.replication_factor_max = o.replicationMax
  p.expire_at = expireAtOf(o.expireIn)
  p.metadata = parseMetadata(o.metadata)
  p.name = o.name
  const allocs = lenientAllocations(o.allocations)
  if (allocs != null) p.user_allocations = allocs
  p.no_pin = o.pin === false
  p.format = o.format
  p.shard = o.shard === true
  p.recursive = o.recursive === true
  p.local = o.local === true
  p.layout = o.layout
  p.chunker = o.chunker
  p.raw_leaves = o.rawLeaves === true
  p.raw_leaves_set = true
  p.hidden = o.hidden === true
  p.wrap = o.wrapWithDirectory === true || nPaths > 1
  p.cid_version = o.cidVersion
  p.hash = o.hash
  if (p.hash !== 'sha2-256') p.cid_version = 1
  if (p.cid_version > 0) p.raw_leaves = true
  p.nocopy = o.nocopy === true
  if (p.nocopy) p.raw_leaves = true
  if (p.wrap && p.format === 'car') {
    throw new ClientError('only a single CAR file can be added and wrap-with-directory is not supported')
  }
  if (o.erasure === true) {
    p.erasure = true
    p.data_shards = o.dataShards
    p.parity_shards = o.parityShards
    p.ec_shard_size = o.shardSize ?? 0
    if (p.data_shards < 1 || p.parity_shards < 1) throw new ClientError('--data-shards and --parity-shards must be at least 1')
    if (p.ec_shard_size < 0) throw new ClientError('--shard-size must not be negative')
  } else if (shardSizeGiven) {
    throw new ClientError('--shard-size only applies with --erasure')
  }
  return p
}

export function registerAdd (program: Command, run: Runner): void {
  program.command('add')
    .summary('Add a file or directory to ipfs and pin it in the cluster')
    .description(DESCRIPTION)
    .argument('[path...]', 'files, directories or http(s) URLs')
    .option('-r, --recursive', 'Add directory paths recursively')
    .option('-q, --quiet', 'Write only hashes to output (one per line)')
    .option('-Q, --quieter', 'Write only final hash to output')
    .option('--no-stream', 'Buffer output locally. Produces a valid JSON array with --enc=json.')
    .option('--local', 'Add to local peer but pin normally')
    .option('-n, --name <name>', 'Sets a name for this pin', '')
    .option('--rmin, --replication-min <n>', 'Sets the minimum replication factor for pinning this file', intArg, 0)
    .option('--rmax, --replication-max <n>', 'Sets the maximum replication factor for pinning this file', intArg, 0)
    .option('--expire-in <duration>', 'Duration after which the pin should be unpinned automatically')
    .option('--metadata <key=value>', 'Pin metadata: key=value. Can be added multiple times', collect, [])
    .option('--allocs, --allocations <peers>', 'Optional comma-separated list of peer IDs')
    .option('--no-pin', 'Do not pin after adding')
    .option('--wait', 'Wait for the pin to reach the minimum replication factor before returning')
    .option('--wt, --wait-timeout <duration>', 'How long to --wait (Go duration, e.g. 30s). Default: forever', durationArg, 0)
    .option('-w, --wrap-with-directory', 'Wrap a with a directory object')
    .option('--format <format>', "'unixfs' (add as unixfs DAG), 'car' (import CAR file)", 'unixfs')
    .option('--layout <layout>', 'Dag layout to use for dag generation: balanced or trickle', '')
    .option('-H, --hidden', 'Include files that are hidden.  Only takes effect on recursive add')
    .option('-s, --chunker <chunker>', "'size-<size>' or 'rabin-<min>-<avg>-<max>'", 'size-262144')
    .option('--raw-leaves', 'Use raw blocks for leaves (experimental)')
    .option('--cid-version <n>', 'CID version. Non default implies raw-leaves', intArg, 0)
    .option('--hash <function>', 'Hash function to use. Implies cid-version=1', 'sha2-256')
    .option('--nocopy', 'Add the URL using filestore. Implies raw-leaves. (experimental)')
    .option('--erasure', 'Store with Reed-Solomon erasure coding instead of replication')
    .option('--data-shards <n>', 'Erasure coding: data shards per stripe', intArg, 4)
    .option('--parity-shards <n>', 'Erasure coding: parity shards per stripe', intArg, 2)
    .option('--shard-size <bytes>', 'Erasure coding: bytes per data shard (default: chosen by the cluster)', intArg)
    // upstream's sharded (non-erasure) DAG: sent as shard=true, which the cluster refuses with a 400 saying to use --erasure
    .addOption(new Option('--shard', 'Break the file into shards without erasure coding (not supported: use --erasure)').hideHelp())
    .action(run(async (ctx, cmd) => { await addAction(ctx, cmd) }))
}

async function addAction (ctx: CommandContext, cmd: Command): Promise<void> {
  const o = cmd.opts()
  const paths = cmd.args
  if (paths.length === 0) return ctx.out.fail(new ClientError('need at least one path'))
  let params: AddParams
  try {
    params = addParamsFromFlags(o, paths.length, cmd.getOptionValueSource('shardSize') === 'cli')
  } catch (err) {
    return ctx.out.fail(err)
  }
  let sources: AddSource[]
  try {
    sources = await prepareSources(paths, { recursive: params.recursive, nocopy: params.nocopy })
  } catch (err) {
    return ctx.out.fail(err)
  }

  if (params.erasure && params.ec_shard_size === 0) {
    params.ec_shard_size = autoShardSize(params, await totalSize(sources, params.hidden).catch(() => undefined)) ?? 0
  }

  let bar: ProgressBar | undefined
  if (progressWanted(ctx.out.encoding)) {
    bar = new ProgressBar({ label: 'adding', autoFinish: true, total: await totalSize(sources, params.hidden).catch(() => undefined) })
  }

  const quieter = o.quieter === true
  const quiet = o.quiet === true || quieter
  const buffer = o.stream === false
  const buffered: AddedOutput[] = []
  let last: AddedOutput | undefined
  let addErr: unknown
  const print = (v: AddedOutput | AddedOutput[]): void => {
    bar?.suspend()
    if (Array.isArray(v)) ctx.out.print(v, vs => vs.map(a => formatAdded(a, quiet)).join(''))
    else ctx.out.print(v, a => formatAdded(a, quiet))
  }
  const seen: AddedOutput[] = []
  try {
    for await (const v of ctx.client.add(paths, params, { sources, signal: ctx.signal, onData: n => bar?.add(n) })) {
      last = v
      // shard lines and lines with lost copies: what the degraded-stripe notes need
      const lost = (v as LostOutput).lost
      if (params.erasure && (lost != null || SHARD_LINE.test(v.name))) {
        seen.push({ name: v.name, cid: v.cid, allocations: v.allocations, ...(lost != null ? { lost } : {}) } as AddedOutput)
      }
      if (buffer) buffered.push(v)
      else if (!quieter) print(v)
    }
  } catch (err) {
    addErr = err
  }
  if (addErr != null) bar?.clear()
  else bar?.finish()

  if (last != null) {
    if (buffer) print(quieter ? [last] : buffered)
    else if (quieter) print(last)
    if (o.wait === true && addErr == null) {
      // wait on the replication factor the cluster actually applied, else on the requested one
      let rmin = params.replication_factor_min
      try {
        rmin = (await ctx.client.allocation(last.cid, { signal: ctx.signal })).replication_factor_min
      } catch {}
      try {
        await waitFor(ctx.client, { cid: last.cid, target: 'pinned', limit: rmin, timeoutMs: o.waitTimeout, signal: ctx.signal })
      } catch (err) {
        return ctx.out.fail(err, 'waiting for pin status')
      }
    }
  }
  if (addErr != null) return ctx.out.fail(addErr)
  for (const note of degradedNotes(seen)) ctx.out.io.stderr(`warning: ${note}\n`)
}

/** An output line of an erasure add that names allocations whose copy was lost. */
type LostOutput = AddedOutput & { lost?: string[] }

const SHARD_LINE = /^(.*)-s(\d+)-(data|parity)(\d+)$/

/**
 * What an erasure add stored with fewer shards or copies than planned, from the `lost` field of
 * its output lines (the shard lines of a stripe, the tree line, a replicated input's root):
 * "stripe 3 stored with 5 of 6 shards (shard parity1 on <peer> lost; repair will restore it)".
 */
export function degradedNotes (lines: readonly AddedOutput[]): string[] {
  const stripeNotes: string[] = []
  const copyNotes: string[] = []
  const stripes = new Map<string, { stripe: number, total: number, lost: string[] }>()
  const plural = (n: number, one: string, many: string): string => n === 1 ? one : many
  for (const l of lines) {
    const lost = (l as LostOutput).lost ?? []
    const m = SHARD_LINE.exec(l.name)
    if (m == null) {
      if (lost.length === 0) continue
      const copies = l.allocations?.length ?? lost.length
      const tree = l.name.endsWith('-tree')
      copyNotes.push(`${tree ? 'tree blocks' : l.name !== '' ? l.name : l.cid} stored on ${copies - lost.length} of ${copies} peers ` +
        `(${plural(lost.length, 'copy', 'copies')} on ${lost.join(', ')} lost; ` +
        (tree ? `repair will restore ${plural(lost.length, 'it', 'them')})` : `${plural(lost.length, 'that peer pins it', 'those peers pin it')} when back)`))
      continue
    }
    const key = `${m[1]}\0${m[2]}`
    let st = stripes.get(key)
    if (st == null) {
      st = { stripe: Number(m[2]), total: 0, lost: [] }
      stripes.set(key, st)
    }
    st.total++
    if (lost.length > 0) st.lost.push(`${m[3]}${m[4]} on ${lost.join(', ')}`)
  }
  for (const st of stripes.values()) {
    if (st.lost.length === 0) continue
    const n = st.lost.length
    stripeNotes.push(`stripe ${st.stripe} stored with ${st.total - n} of ${st.total} shards (${plural(n, 'shard', 'shards')} ${st.lost.join(', ')} lost; repair will restore ${plural(n, 'it', 'them')})`)
  }
  return [...stripeNotes, ...copyNotes]
}
