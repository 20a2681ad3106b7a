// Upstream's "closest peer" rule: of the trusted peers, the one whose ID is nearest to the CID
// (XOR of their blake2b-256 hashes) acts on it alone — repins after a failure, expiry unpins —
// so peers need no coordination to avoid doing the same work twice.
import { blake2b } from '@noble/hashes/blake2.js'
import { CID } from 'multiformats/cid'
import { peerIdFromString } from '@libp2p/peer-id'

function hash (bytes: Uint8Array): Uint8Array {
  return blake2b(bytes, { dkLen: 32 })
}

function compareDistance (a: Uint8Array, b: Uint8Array, target: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const da = a[i] ^ target[i]
    const db = b[i] ^ target[i]
    if (da !== db) return da - db
  }
  return 0
}

/** The peer of `peers` closest to the CID (undefined for an empty list). */
export function closestPeer (cid: string, peers: string[]): string | undefined {
  const target = hash(CID.parse(cid).bytes)
  let best: string | undefined
  let bestHash: Uint8Array | undefined
  for (const p of peers) {
    const h = hash(peerIdFromString(p).toMultihash().bytes)
    if (bestHash == null || compareDistance(h, bestHash, target) < 0) {
      best = p
      bestHash = h
    }
  }
  return best
}
