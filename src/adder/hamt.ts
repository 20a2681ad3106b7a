// HAMT-sharded directories as boxo's unixfs/hamt writes them, for directories whose link-size
// estimate passes HAMTShardingSize. With insertions only, the trie is canonical, so it is built
// from the final entry list: 256 slots per node indexed by successive bytes of the name's
// murmur3-x64-64 hash; a slot with one entry links to it as "<XX><name>", a slot with several
// links to a child shard as "<XX>" (XX = slot in upper-case hex).
import { murmur364 } from '@multiformats/murmur3'
import { encode, prepare } from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { InvalidArgumentError } from '../api/errors.js'
import { putBlock, type BuiltNode, type CidBuilder } from './cid-builder.js'
import type { NamedLink } from './unixfs-nodes.js'
import type { BlockSink } from './types.js'

const FANOUT = 256
/** multicodec murmur3-x64-64, recorded in the shard's hashType */
const HASH_MURMUR3 = 0x22n

interface Keyed {
  link: NamedLink
  hash: Uint8Array
}

/** go-bitfield layout: bit i lives in byte (len-1-i/8); leading zero bytes are trimmed. */
function bitfieldBytes (slots: number[]): Uint8Array {
  const bf = new Uint8Array(FANOUT / 8)
  for (const i of slots) bf[bf.length - 1 - Math.floor(i / 8)] |= 1 << (i % 8)
  const first = bf.findIndex(b => b !== 0)
  return first === -1 ? new Uint8Array(0) : bf.subarray(first)
}

function slotName (i: number): string {
  return i.toString(16).toUpperCase().padStart(2, '0')
}

async function shard (entries: Keyed[], depth: number, builder: CidBuilder, sink: BlockSink, signal?: AbortSignal): Promise<BuiltNode> {
  if (depth >= 8) throw new InvalidArgumentError('sharded directory too deep')
  const slots = new Map<number, Keyed[]>()
  for (const e of entries) {
    const i = e.hash[depth]
    const s = slots.get(i)
    if (s == null) slots.set(i, [e])
    else s.push(e)
  }
  const order = [...slots.keys()].sort((a, b) => a - b)
  const links: NamedLink[] = []
  for (const i of order) {
    const group = slots.get(i)!
    if (group.length === 1) {
      const l = group[0].link
      links.push({ name: slotName(i) + l.name, cid: l.cid, size: l.size })
    } else {
      const child = await shard(group, depth + 1, builder, sink, signal)
      links.push({ name: slotName(i), cid: child.cid, size: child.size })
    }
  }
  const fs = new UnixFS({ type: 'hamt-sharded-directory', data: bitfieldBytes(order), hashType: HASH_MURMUR3, fanout: BigInt(FANOUT) })
  const bytes = encode(prepare({ Data: fs.marshal(), Links: links.map(l => ({ Name: l.name, Tsize: l.size, Hash: l.cid })) }))
  const cid = builder.pb(bytes)
  await putBlock(sink, cid, bytes, signal)
  let size = bytes.byteLength
  for (const l of links) size += l.size
  return { cid, size }
}

/** Writes the shards of a HAMT directory holding `links`; returns its root. */
export async function buildHamtDirectory (links: NamedLink[], builder: CidBuilder, sink: BlockSink, signal?: AbortSignal): Promise<BuiltNode> {
  const keyed: Keyed[] = []
  for (const link of links) {
    const digest = await murmur364.digest(new TextEncoder().encode(link.name))
    keyed.push({ link, hash: digest.digest })
  }
  return await shard(keyed, 0, builder, sink, signal)
}
