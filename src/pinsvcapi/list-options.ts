// GET /pins query parameters (upstream pinsvc.ListOptions.FromQuery) and the filters they make.
import { InvalidArgumentError, errorMessage } from '../api/errors.js'
import { decodeCid } from '../api/cid.js'
import type { Query } from '../api/params.js'
import { parseRFC3339 } from '../common/time.js'
import { svcStatusFromString } from './status.js'
import { MAX_NAME_BYTES } from './types.js'
import type { PinStatus } from './types.js'

export type MatchingStrategy = 'exact' | 'iexact' | 'partial' | 'ipartial'

export const DEFAULT_LIMIT = 10
/** The spec's bounds for `limit`. */
export const MIN_LIMIT = 1
export const MAX_LIMIT = 1000

export interface ListOptions {
  /** normalized CIDs; empty → the whole pinset */
  cids: string[]
  name: string
  match: MatchingStrategy
  /** pinsvc status bitmask; 0 → any */
  status: number
  /** epoch ms; undefined → no bound */
  before?: number
  after?: number
  limit: number
  meta: Record<string, string>
}

const STRATEGIES = new Set<string>(['exact', 'iexact', 'partial', 'ipartial'])

export function parseListOptions (q: Query): ListOptions {
  const opts: ListOptions = { cids: [], name: '', match: 'exact', status: 0, limit: DEFAULT_LIMIT, meta: {} }

  const cidq = q.cid ?? ''
  if (cidq !== '') {
    for (const c of cidq.split(',')) {
      try {
        opts.cids.push(decodeCid(c).toString())
      } catch (err) {
        throw new InvalidArgumentError(`error decoding cid ${c}: ${errorMessage(err)}`)
      }
    }
  }

  const name = q.name ?? ''
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new InvalidArgumentError("error in 'name' query param: longer than 255 chars")
  opts.name = name

  // an unknown strategy falls back to the default, as upstream
  const match = q.match ?? ''
  if (STRATEGIES.has(match)) opts.match = match as MatchingStrategy

  const status = q.status ?? ''
  opts.status = svcStatusFromString(status)
  if (status !== '' && opts.status === 0) throw new InvalidArgumentError("error decoding 'status' query param: no valid filter")

  opts.before = timeParam(q, 'before')
  opts.after = timeParam(q, 'after')

  const limit = q.limit ?? ''
  if (limit !== '') {
    if (!/^\d+$/.test(limit)) throw new InvalidArgumentError(`error parsing 'limit' query param: ${limit}: invalid syntax`)
    const n = Number(limit)
    if (n < MIN_LIMIT || n > MAX_LIMIT) throw new InvalidArgumentError(`error in 'limit' query param: ${limit}: must be between ${MIN_LIMIT} and ${MAX_LIMIT}`)
    opts.limit = n
  }

  const meta = q.meta ?? ''
  if (meta !== '') opts.meta = parseMeta(meta)
  return opts
}

function timeParam (q: Query, key: 'before' | 'after'): number | undefined {
  const v = q[key] ?? ''
  if (v === '') return undefined
  try {
    return parseRFC3339(v).getTime()
  } catch (err) {
    throw new InvalidArgumentError(`error decoding '${key}' query param: ${v}: ${errorMessage(err)}`)
  }
}

/** A JSON object of strings (`null` is an empty filter, as Go's json.Unmarshal into a map). */
function parseMeta (text: string): Record<string, string> {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    throw new InvalidArgumentError(`error unmarshalling 'meta' query param: ${text}: ${errorMessage(err)}`)
  }
  if (v === null) return {}
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every(x => typeof x === 'string')) {
    throw new InvalidArgumentError(`error unmarshalling 'meta' query param: ${text}: expected an object of strings`)
  }
  return v as Record<string, string>
}

export function matchesName (name: string, wanted: string, strategy: MatchingStrategy): boolean {
  if (wanted === '') return true
  switch (strategy) {
    case 'exact': return name === wanted
    case 'iexact': return name.toLowerCase() === wanted.toLowerCase()
    case 'partial': return name.includes(wanted)
    case 'ipartial': return name.toLowerCase().includes(wanted.toLowerCase())
  }
}

/** Every given key must be present with the same value. */
export function matchesMeta (meta: Record<string, string> | undefined, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([k, v]) => meta?.[k] === v)
}

/**
 * The spec's "created before / after the timestamp": strict bounds, so that a client paging
 * with `before` = the oldest `created` of the previous page does not get that pin again.
 */
export function matchesDates (created: string, opts: Pick<ListOptions, 'before' | 'after'>): boolean {
  const t = Date.parse(created)
  if (opts.after !== undefined && !(t > opts.after)) return false
  if (opts.before !== undefined && !(t < opts.before)) return false
  return true
}

/** The filters other than the CID list and the status. */
export function matchesFilters (st: PinStatus, opts: ListOptions): boolean {
  return matchesDates(st.created, opts) && matchesName(st.pin.name ?? '', opts.name, opts.match) && matchesMeta(st.pin.meta, opts.meta)
}
