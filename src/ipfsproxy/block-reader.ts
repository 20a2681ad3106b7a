// Read-only blockstore over an IpfsConnector, for ipfs-unixfs-exporter (cat) and the refs walk:
// every block comes through blockGet, so it may be fetched from other peers.
import type { CID } from 'multiformats/cid'
import * as dagPb from '@ipld/dag-pb'
import * as dagCbor from '@ipld/dag-cbor'
import { CID as CIDClass } from 'multiformats/cid'
import type { IpfsConnector } from '../ipfs/connector.js'

export function connectorBlockstore (ipfs: IpfsConnector, signal: AbortSignal): { get: (cid: CID, opts?: { signal?: AbortSignal }) => AsyncGenerator<Uint8Array> } {
  return {
    async * get (cid: CID, opts: { signal?: AbortSignal } = {}) {
      yield await ipfs.blockGet(cid.toString(), { signal: opts.signal ?? signal })
    }
  }
}

/** The links of a block, in order; codecs without links (raw) have none. */
export function linksOf (cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === dagPb.code) return dagPb.decode(bytes).Links.map(l => l.Hash)
  if (cid.code === dagCbor.code) {
    const out: CID[] = []
    walk(dagCbor.decode(bytes), out)
    return out
  }
  return []
}

function walk (v: unknown, out: CID[]): void {
  const c = CIDClass.asCID(v)
  if (c != null) {
    out.push(c)
    return
  }
  if (Array.isArray(v)) for (const x of v) walk(x, out)
  else if (v != null && typeof v === 'object' && !(v instanceof Uint8Array)) for (const x of Object.values(v)) walk(x, out)
}
