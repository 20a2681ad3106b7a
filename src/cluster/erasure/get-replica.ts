// ecget of replicated content. An erasure add replicates inputs too small to pay for coding
// (smallFilePolicy: p+1 copies) and d = 1 inputs, so `ecget` of what `add --erasure` printed
// must read those too; any other pin of the pinset reads the same way. Every block comes from a
// holder of the pin (this peer first when it is one), is checked against its CID, and is not
// stored on the reading peer. Nothing is rebuilt: a copy that fails is skipped for the next one.
import { CID } from 'multiformats/cid'
import { exporter } from 'ipfs-unixfs-exporter'
import type { EcRecoveryReport, Pin } from '../../api/types.js'
import type { ErasureContext } from './context.js'
import { exportBody } from './get-export.js'
import type { Blocks } from './get-export.js'
import { blockFromHolders } from './get-fetch.js'
import type { EcGetOptions, EcGetStream } from './get.js'

/** blocks of a replicated file read ahead of the one being written (at most 2 MiB of 256 KiB chunks) */
const REPLICA_PREFETCH = 8

/** The pin's holders, live ones first (allocations, or every peer for "everywhere"). */
function holdersOf (ctx: ErasureContext, pin: Pin): string[] {
  const live = new Set(ctx.peerset())
  const holders = pin.allocations != null && pin.allocations.length > 0 ? pin.allocations : [...live]
  return [...holders].sort((a, b) => Number(live.has(b)) - Number(live.has(a)))
}

export async function replicaGet (ctx: ErasureContext, pin: Pin, opts: EcGetOptions = {}): Promise<EcGetStream> {
  const { signal } = opts
  const holders = holdersOf(ctx, pin)
  const failed = new Set<string>()
  const block = async (cid: CID, s?: AbortSignal): Promise<Uint8Array> => await blockFromHolders(ctx, holders, cid, failed, s ?? signal)
  const blocks = {
    block,
    // each block is a fresh buffer, and asking for one costs a round trip or two: a file's
    // next blocks are asked for while the current one is written
    prefetch: REPLICA_PREFETCH,
    async * get (cid: CID, options: { signal?: AbortSignal } = {}) {
      yield await block(cid, options.signal)
    }
  } as unknown as Blocks
  const root = await exporter(CID.parse(pin.cid), blocks, { signal })
  const kind = root.type === 'directory' ? 'directory' : 'file'
  const report: EcRecoveryReport = { cid: pin.cid, name: pin.name, lost: [], rebuilt: [], new_holders: [] }
  return {
    cid: pin.cid,
    name: pin.name,
    kind,
    // a file's size is known up front; a directory's content total is not, without a walk
    size: root.type === 'file' || root.type === 'raw' || root.type === 'identity' ? Number(root.size) : undefined,
    stripes: 0,
    degraded: [],
    body: exportBody(root, blocks, signal),
    report
  }
}
