// The gossipsub topic of a cluster: upstream names it after the base58 MD5 multihash of
// cluster_name, so peers of one cluster meet on one topic and peers of another never do.
import { createHash } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import * as Digest from 'multiformats/hashes/digest'

const MD5_CODE = 0xd5

export function pubsubTopic (clusterName: string): string {
  const md5 = createHash('md5').update(clusterName, 'utf8').digest()
  // baseEncode: no multibase prefix, upstream prints the bare base58 multihash
  return base58btc.baseEncode(Digest.create(MD5_CODE, new Uint8Array(md5)).bytes)
}
