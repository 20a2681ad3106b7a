// CAR input for /add?format=car (upstream adder.carAdder): one CAR file with exactly one root;
// its blocks are stored as they are, after checking each against its CID, and one AddedOutput
// reports the root, the sum of block sizes and, when the root is a UnixFS node, its file size.
import { CarBlockIterator } from '@ipld/car/iterator'
import * as dagPb from '@ipld/dag-pb'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { equals } from 'uint8arrays/equals'
import { UnixFS } from 'ipfs-unixfs'
import type { AddedOutput } from '../api/types.js'
import type { AddParams } from '../api/params.js'
import { InvalidArgumentError } from '../api/errors.js'
import { hasherByCode } from './hashes.js'
import { putBlock } from './cid-builder.js'
import type { ImportOptions } from './import-context.js'
import type { AddEntry, BlockSink } from './types.js'

const RAW = 0x55
const IDENTITY = 0x00

export class BlockHashMismatchError extends InvalidArgumentError {
  constructor (cid: string) {
    super(`CAR block ${cid} does not match its CID`)
    this.name = 'BlockHashMismatchError'
  }
}

/** Checks a block against its CID: the multihash must match and the codec must decode it. */
function verifyBlock (cid: CID, bytes: Uint8Array): void {
  const mh = cid.multihash
  if (mh.code === IDENTITY) {
    if (!equals(mh.digest, bytes)) throw new BlockHashMismatchError(cid.toString())
  } else {
    const h = hasherByCode(mh.code)
    if (h == null) throw new InvalidArgumentError(`CAR block ${cid.toString()} uses an unsupported hash function (0x${mh.code.toString(16)})`)
    if (!equals(h.digest(bytes).bytes, mh.bytes)) throw new BlockHashMismatchError(cid.toString())
  }
  // upstream decodes every block with the dag-pb, raw and dag-cbor codecs and fails otherwise
  try {
    if (cid.code === dagPb.code) dagPb.decode(bytes)
    else if (cid.code === dagCbor.code) dagCbor.decode(bytes)
    else if (cid.code !== RAW) throw new Error(`no decoder for codec 0x${cid.code.toString(16)}`)
  } catch (err: any) {
    throw new InvalidArgumentError(`CAR block ${cid.toString()} cannot be decoded: ${err?.message ?? String(err)}`)
  }
}

/** File size of a UnixFS dag-pb root (0 for anything else, as upstream). */
function unixfsSize (cid: CID, bytes: Uint8Array): number {
  if (cid.code !== dagPb.code) return 0
  try {
    const node = dagPb.decode(bytes)
    if (node.Data == null) return 0
    return Number(UnixFS.unmarshal(node.Data).fileSize())
  } catch {
    return 0
  }
}

export async function * importCar (
  entries: AsyncIterable<AddEntry>,
  params: AddParams,
  sink: BlockSink,
  opts: ImportOptions = {}
): AsyncGenerator<AddedOutput> {
  if (params.wrap) throw new InvalidArgumentError('cannot wrap a CAR file upload')
  const it = entries[Symbol.asyncIterator]()
  const first = await it.next()
  if (first.done === true) throw new InvalidArgumentError('no CAR file was sent')
  const entry = first.value
  if (entry.type !== 'file' || entry.content == null) throw new InvalidArgumentError('expected CAR file is not of type file')
  const name = entry.path.split('/').filter(p => p !== '').pop() ?? ''

  let car: CarBlockIterator
  try {
    car = await CarBlockIterator.fromIterable(entry.content)
  } catch (err: any) {
    throw new InvalidArgumentError(`invalid CAR file: ${err?.message ?? String(err)}`)
  }
  const roots = await car.getRoots()
  if (roots.length !== 1) throw new InvalidArgumentError('only CAR files with a single root are supported')
  const root = CID.decode(roots[0].bytes)

  let bytes = 0
  let size = 0
  for await (const block of car) {
    opts.signal?.throwIfAborted()
    const cid = CID.decode(block.cid.bytes)
    verifyBlock(cid, block.bytes)
    bytes += block.bytes.byteLength
    if (cid.equals(root)) size = unixfsSize(cid, block.bytes)
    await putBlock(sink, cid, block.bytes, opts.signal)
    opts.onProgress?.(name, bytes)
  }

  const next = await it.next()
  if (next.done !== true) throw new InvalidArgumentError('only one CAR file can be added at a time')

  const out: AddedOutput = { name, cid: root.toString() }
  if (bytes > 0) out.bytes = bytes
  if (size > 0) out.size = size
  yield out
}
