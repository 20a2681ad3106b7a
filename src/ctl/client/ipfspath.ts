// IPFS paths for the path routes of pin add / pin rm (upstream uses boxo's path.NewPath and
// falls back to "/ipfs/" + arg): /ipfs/<cid>[/…], /ipld/<cid>[/…] or /ipns/<name>[/…].
import { CID } from 'multiformats/cid'
import { ClientError } from './errors.js'

function clean (p: string): string {
  const segs = p.split('/').filter(s => s !== '' && s !== '.')
  return '/' + segs.join('/')
}

function validate (p: string): string | ClientError {
  const c = clean(p)
  const segs = c.split('/').slice(1)
  const ns = segs[0]
  if (!p.startsWith('/') || (ns !== 'ipfs' && ns !== 'ipns' && ns !== 'ipld')) {
    return new ClientError(`invalid path "${p}": path does not have enough components`)
  }
  if (segs.length < 2) return new ClientError(`invalid path "${p}": path does not have enough components`)
  if (ns !== 'ipns') {
    try {
      CID.parse(segs[1])
    } catch (err: any) {
      return new ClientError(`invalid path "${p}": invalid cid: ${err?.message ?? String(err)}`)
    }
  }
  return c
}

/** The normalized IPFS path of a pin argument (a CID, or a full path). */
export function toIpfsPath (arg: string): string {
  const first = validate(arg)
  if (typeof first === 'string') return first
  const second = validate('/ipfs/' + arg)
  if (typeof second === 'string') return second
  throw second
}

/** Escapes each segment of a path for the request line, keeping the separators. */
export function escapePath (p: string): string {
  return p.split('/').map(s => encodeURIComponent(s).replace(/%3A/gi, ':').replace(/%40/g, '@')).join('/')
}
