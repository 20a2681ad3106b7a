// How kubo's CID builder (a go-cid Prefix) names blocks: dag-pb nodes take the requested CID
// version and hash; raw leaves always use CIDv1 with the same hash (a CIDv0 cannot name a raw
// block, so go's Prefix.WithCodec(raw) bumps the version).
import { CID } from 'multiformats/cid'
import type { Uint8ArrayList } from 'uint8arraylist'
import * as dagPb from '@ipld/dag-pb'
import * as raw from 'multiformats/codecs/raw'
import { InvalidArgumentError } from '../api/errors.js'
import { hasherByName, type Hasher } from './hashes.js'
import type { BlockSink } from './types.js'

export class CidBuilder {
  readonly version: 0 | 1
  readonly hasher: Hasher

  constructor (version: number, hashName: string) {
    if (version !== 0 && version !== 1) throw new InvalidArgumentError(`unknown CID version: ${version}`)
    this.hasher = hasherByName(hashName)
    if (version === 0 && this.hasher.code !== 0x12) {
      throw new InvalidArgumentError('CIDv0 only supports sha2-256')
    }
    this.version = version
  }

  /** CID of an encoded dag-pb node. */
  pb (bytes: Uint8Array): CID {
    const digest = this.hasher.digest(bytes)
    return this.version === 0 ? CID.createV0(digest as any) : CID.createV1(dagPb.code, digest)
  }

  /** CID of a raw block, given whole or as its pieces. */
  raw (bytes: Uint8Array | Iterable<Uint8Array>): CID {
    return CID.createV1(raw.code, this.hasher.digest(bytes))
  }
}

/** A node written to the sink: its CID, cumulative DAG size (go's Node.Size()). */
export interface BuiltNode {
  cid: CID
  /** encoded size of this block plus the sizes of everything it links to */
  size: number
}

/** Writes one block (a raw leaf may be its pieces); the only place the importer touches the sink. */
export async function putBlock (sink: BlockSink, cid: CID, bytes: Uint8Array | Uint8ArrayList, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await sink.put(cid, bytes, signal)
}
