// Kubo's argument forms for paths: "/ipfs/<cid>/…", "/ipns/<name>/…", "/ipld/<cid>/…" or a bare
// CID (taken as /ipfs/<cid>), as upstream's pathOrCidPath accepts.
import { CID } from 'multiformats/cid'
import { KuboRpcError } from './errors.js'

export function pathOrCidPath (arg: string): string {
  const p = arg.startsWith('/') ? arg : `/ipfs/${arg}`
  const m = /^\/(ipfs|ipns|ipld)\/([^/]+)(\/.*)?$/.exec(p)
  if (m == null) throw new KuboRpcError(`invalid path "${arg}": path does not have enough components`)
  if (m[1] !== 'ipns') {
    try {
      CID.parse(m[2])
    } catch (err) {
      throw new KuboRpcError(`invalid path "${arg}": invalid cid: ${(err as Error).message}`)
    }
  }
  return p.replace(/\/+$/, '')
}

/** The CID at the root of a path argument (no resolution). */
export function rootCid (arg: string): CID {
  const p = pathOrCidPath(arg)
  const root = p.split('/')[2]
  try {
    return CID.parse(root)
  } catch (err) {
    throw new KuboRpcError(`invalid path "${arg}": invalid cid: ${(err as Error).message}`)
  }
}
