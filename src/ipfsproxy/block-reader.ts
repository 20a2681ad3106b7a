// Read-only blockstore over an IpfsConnector, for ipfs-unixfs-exporter (resolving paths), a
// file's bytes (cat, get) and the refs walk: every block comes through blockGet, so it may be
// fetched from other peers.
import type { CID } from 'multiformats/cid'
import * as dagPb from '@ipld/dag-pb'
import * as dagCbor from '@ipld/dag-cbor'
import { CID as CIDClass } from 'multiformats/cid'
import type { IpfsConnector } from '../ipfs/connector.js'
import type { BlockReader } from '../exporter/file-bytes.js'

/**
 * Blocks a file's bytes are read ahead of the client by: enough to keep a disk or a fetch from
 * another peer busy while the client takes a block, 4 MiB of 256 KiB chunks at most.
 */
const FILE_PREFETCH = 16

export interface ConnectorBlocks extends BlockReader {
  get: (cid: CID, opts?: { signal?: AbortSignal }) => AsyncGenerator<Uint8Array>
}

export function connectorBlockstore (ipfs: IpfsConnector, signal: AbortSignal): ConnectorBlocks {
  const block = async (cid: CID, s?: AbortSignal): Promise<Uint8Array> => await ipfs.blockGet(cid.toString(), { signal: s ?? signal })
  return {
    block,
    prefetch: FILE_PREFETCH,
    async * get (cid: CID, opts: { signal?: AbortSignal } = {}) {
      yield await block(cid, opts.signal)
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
