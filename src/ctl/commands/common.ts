// Flag value handling shared by the commands, with upstream's error texts.
import { InvalidArgumentError } from 'commander'
import { peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { parseDuration } from '../../common/duration.js'
import { ZERO_TIME } from '../../api/types.js'
import { ClientError } from '../client/errors.js'

/** A bad flag value; `doing` completes upstream's "error <doing>: <message>" line. */
export class FlagError extends ClientError {
  readonly doing: string
  constructor (doing: string, message: string) {
    super(message)
    this.name = 'FlagError'
    this.doing = doing
  }
}

/** commander parser for Go IntFlag values. */
export function intArg (value: string): number {
  if (!/^[-+]?\d+$/.test(value.trim())) throw new InvalidArgumentError('not an integer.')
  return Number(value)
}

/** commander parser for Go DurationFlag values; the result is in ms. */
export function durationArg (value: string): number {
  try {
    return parseDuration(value)
  } catch {
    throw new InvalidArgumentError(`time: invalid duration "${value}"`)
  }
}

/** commander collector for repeatable flags (Go StringSliceFlag). */
export function collect (value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

/** --metadata key=value pairs. */
export function parseMetadata (items: string[] = []): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of items) {
    const i = item.indexOf('=')
    if (i < 0) throw new FlagError('parsing metadata', 'metadata were not in the format key=value')
    out[item.slice(0, i)] = item.slice(i + 1)
  }
  return out
}

/** --expire-in (Go duration) as the absolute expire_at sent to the API. */
export function expireAtOf (expireIn: string | undefined, now = Date.now()): string {
  if (expireIn == null || expireIn === '') return ZERO_TIME
  let ms: number
  try {
    ms = parseDuration(expireIn)
  } catch {
    throw new FlagError('parsing expire-in', `time: invalid duration "${expireIn}"`)
  }
  return new Date(now + ms).toISOString()
}

/** A CID argument; errors read like upstream's api.DecodeCid. */
export function decodeCidArg (text: string | undefined): string {
  try {
    return CID.parse((text ?? '').trim()).toString()
  } catch (err: any) {
    if (text == null || text === '') throw new ClientError('cid too short')
    throw new ClientError(err?.message ?? String(err))
  }
}

/** A peer ID argument (base58 or CID form), returned as its canonical string. */
export function decodePeerId (text: string | undefined): string {
  if (text == null || text.trim() === '') throw new ClientError('failed to parse peer ID: empty peer ID')
  try {
    return peerIdFromString(text.trim()).toString()
  } catch (err: any) {
    throw new ClientError(`failed to parse peer ID: ${err?.message ?? String(err)}`)
  }
}

/** Comma-separated peer IDs that must all decode (pin add --allocations). */
export function decodeAllocations (text: string | undefined): string[] | null {
  if (text == null || text === '') return null
  const items = text.split(',').map(s => s.trim())
  const ok: string[] = []
  for (const it of items) {
    try {
      ok.push(peerIdFromString(it).toString())
    } catch {}
  }
  if (ok.length !== items.length) throw new ClientError('some peer IDs could not be decoded')
  return ok
}

/** Comma-separated peer IDs where undecodable ones are dropped (add --allocations, as upstream). */
export function lenientAllocations (text: string | undefined): string[] | null {
  if (text == null || text === '') return null
  const ok: string[] = []
  for (const it of text.split(',')) {
    try {
      ok.push(peerIdFromString(it.trim()).toString())
    } catch {}
  }
  return ok
}
