// The path of POST/DELETE /pins/{ipfs|ipns|ipld}/{path...}, validated as upstream's
// boxo path.NewPath does before it is resolved: /ipfs and /ipld paths start with a CID,
// /ipns paths with a non-empty name.
import { CID } from 'multiformats/cid'
import { InvalidArgumentError, errorMessage } from '../../api/errors.js'

export const PATH_NAMESPACES = ['ipfs', 'ipns', 'ipld'] as const
export type PathNamespace = typeof PATH_NAMESPACES[number]

export function parsePinPath (namespace: PathNamespace, rest: string): string {
  const path = `/${namespace}/${rest.replace(/\/$/, '')}`
  const fail = (why: string): never => {
    throw new InvalidArgumentError(`error parsing path: invalid path "${path}": ${why}`)
  }
  const segments = rest.replace(/\/$/, '').split('/')
  if (segments[0] === '') fail('path does not have enough components')
  if (namespace !== 'ipns') {
    try {
      CID.parse(segments[0])
    } catch (err) {
      fail(`invalid cid: ${errorMessage(err)}`)
    }
  }
  return path
}
