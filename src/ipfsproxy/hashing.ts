// Builds a block's CID the way kubo's block/put and dag/put do from their query options
// (cid-codec or the deprecated format, mhtype, mhlen).
import { CID } from 'multiformats/cid'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { identity } from 'multiformats/hashes/identity'
import { sha3224, sha3256, sha3384, sha3512, keccak256, keccak512 } from '@multiformats/sha3'
import * as Digest from 'multiformats/hashes/digest'
import { codecCode, hashCode } from '../ipfs/kubo/codec-names.js'
import { clientError } from './errors.js'

interface Hasher { code: number, digest: (b: Uint8Array) => Promise<Digest.Digest<number, number>> | Digest.Digest<number, number> }

const HASHERS: Hasher[] = [sha256, sha512, identity, sha3224, sha3256, sha3384, sha3512, keccak256, keccak512]

export interface CidRecipe {
  version: 0 | 1
  codec: number
  hasher: Hasher
  /** truncate digests to this length; -1 = full */
  mhlen: number
}

export function hasherByName (name: string): Hasher {
  const code = hashCode(name)
  const h = HASHERS.find(h => h.code === code)
  if (h == null) throw clientError(`unrecognized multihash function: ${name}`)
  return h
}

/** block/put options: cid-codec (default raw), the deprecated format, mhtype, mhlen. */
export function blockPutRecipe (q: URLSearchParams): CidRecipe {
  const format = q.get('format') ?? ''
  let codecName = q.get('cid-codec') ?? ''
  let version: 0 | 1 = 1
  if (format !== '') {
    if (codecName !== '') throw clientError('unable to use "format" (deprecated) and a custom "cid-codec" at the same time')
    if (format === 'v0') { codecName = 'dag-pb'; version = 0 } else if (format === 'protobuf') codecName = 'dag-pb'
    else if (format === 'cbor') codecName = 'dag-cbor'
    else codecName = format
  }
  if (codecName === '') codecName = 'raw'
  const codec = codecCode(codecName)
  if (codec == null) throw clientError(`unrecognized codec: ${codecName}`)
  const hasher = hasherByName(q.get('mhtype') ?? 'sha2-256')
  const mhlen = Number(q.get('mhlen') ?? '-1')
  if (!Number.isInteger(mhlen)) throw clientError('mhlen is not an integer')
  if (version === 0 && hasher.code !== sha256.code) throw clientError('cidv0 only supports sha2-256')
  return { version, codec, hasher, mhlen }
}

export async function cidOf (recipe: CidRecipe, bytes: Uint8Array): Promise<CID> {
  let digest = await recipe.hasher.digest(bytes)
  if (recipe.mhlen >= 0 && recipe.mhlen !== digest.size) {
    if (recipe.mhlen > digest.size) throw clientError(`mhlen ${recipe.mhlen} is longer than the digest`)
    digest = Digest.create(digest.code, digest.digest.subarray(0, recipe.mhlen))
  }
  return recipe.version === 0 ? CID.createV0(digest as Digest.Digest<0x12, number>) : CID.createV1(recipe.codec, digest)
}
