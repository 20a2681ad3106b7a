// An add (upstream adder/single): allocate destinations, import the entries while streaming the
// blocks to those destinations, then pin the root with the same allocations. Nothing is pinned
// when any step fails.
import type { AddParams } from '../api/params.js'
import { ERR_SHARD_UNSUPPORTED } from '../api/params.js'
import type { AddedOutput } from '../api/types.js'
import { InvalidArgumentError } from '../api/errors.js'
import { newPin, isPinEverywhere } from '../api/pin.js'
import type { AddEntry } from '../adder/types.js'
import { importEntries } from '../adder/importer.js'
import type { IpfsConnector } from '../ipfs/connector.js'
import type { RemotePeers } from './components.js'
import type { Cluster } from './cluster.js'
import { BlockFanout } from './block-fanout.js'

export interface AddInit {
  cluster: Cluster
  ipfs: IpfsConnector
  remote: RemotePeers
  entries: AsyncIterable<AddEntry>
  params: AddParams
  signal?: AbortSignal
}

export async function * addContent (init: AddInit): AsyncIterable<AddedOutput> {
  const { cluster, params } = init
  if (params.erasure) throw new InvalidArgumentError('erasure coding is handled by the erasure adder')
  if (params.shard) throw new InvalidArgumentError(ERR_SHARD_UNSUPPORTED)
  const { allocations, destinations } = await chooseDestinations(init)
  const fanout = new BlockFanout({ self: cluster.peerId, destinations, ipfs: init.ipfs, remote: init.remote, signal: init.signal })
  let last: AddedOutput | undefined
  const pending: AddedOutput[] = []
  // progress events carry no CID on the wire (upstream's {name, bytes})
  const onProgress = params.progress ? (name: string, bytes: number) => { pending.push({ name, bytes } as AddedOutput) } : undefined
  for await (const out of importEntries(init.entries, params, fanout, { signal: init.signal, onProgress })) {
    if (allocations.length > 0) out.allocations = allocations
    // The root (the last output) is held back until its blocks are stored and it is pinned.
    if (last != null) pending.push(last)
    last = out
    while (pending.length > 0) yield pending.shift() as AddedOutput
  }
  while (pending.length > 0) yield pending.shift() as AddedOutput
  await fanout.close()
  if (last == null) throw new InvalidArgumentError('no content to add')
  if (!params.no_pin) {
    const pin = newPin(last.cid, { ...params, mode: 'recursive' })
    pin.allocations = allocations
    await cluster.commitPin(pin, { signal: init.signal })
  }
  yield last
}

/**
 * Destinations of the blocks: the pin's allocations (every peer when pinning everywhere). With
 * `local`, blocks go only to this peer, which replaces the last allocation if it was not chosen.
 */
async function chooseDestinations (init: AddInit): Promise<{ allocations: string[], destinations: string[] }> {
  const { cluster, params } = init
  const probe = newPin('', { ...params })
  if (probe.replication_factor_min === 0) probe.replication_factor_min = cluster.config.replication_factor_min
  if (probe.replication_factor_max === 0) probe.replication_factor_max = cluster.config.replication_factor_max
  let allocations: string[] = []
  if (!isPinEverywhere(probe)) {
    allocations = await cluster.allocate({
      cid: '',
      current: [],
      rmin: probe.replication_factor_min,
      rmax: probe.replication_factor_max,
      blacklist: [],
      priority: params.user_allocations ?? []
    }, { signal: init.signal })
  }
  if (params.local) {
    if (allocations.length > 0 && !allocations.includes(cluster.peerId) && (params.user_allocations ?? []).length === 0) {
      allocations[allocations.length - 1] = cluster.peerId
    }
    return { allocations, destinations: [cluster.peerId] }
  }
  return { allocations, destinations: allocations.length > 0 ? allocations : cluster.peerset() }
}
