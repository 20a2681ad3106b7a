// Removing an EC file's shard, tree and manifest pins, which its meta pin leads to. Serves `pin rm`
// of the file (before its meta pin goes) and an add that replaces an older copy of the same
// content. The pins are found in one walk of the pinset that decodes only pins with erasure info,
// and unpinned together (inPinWindows).
import type { Pin } from '../../api/types.js'
import type { Consensus, Signalled } from '../components.js'
import { inPinWindows } from './pin-window.js'

/**
 * Unpins the pins of the EC file whose manifest is `manifest`, leaving its meta pin alone: its
 * shard and tree pins first, then its manifest pin (upstream's order for a sharded file), so a
 * walk never meets shards without the manifest that lists them. Returns how many were unpinned.
 */
export async function unpinErasureFile (consensus: Consensus, manifest: string, opts: Signalled = {}): Promise<number> {
  const shards: Pin[] = []
  const manifests: Pin[] = []
  for await (const p of consensus.list({ signal: opts.signal, only: 'erasure' })) {
    if (p.erasure?.manifest !== manifest || p.type === 'meta-pin') continue
    if (p.type === 'clusterdag-pin') manifests.push(p)
    else shards.push(p)
  }
  for (const group of [shards, manifests]) await inPinWindows(group, async p => { await consensus.logUnpin(p) }, opts.signal)
  return shards.length + manifests.length
}
