import { CID } from 'multiformats/cid'
import { InvalidArgumentError } from './errors.js'

/** Decodes a CID string from user input; a bad one is the client's error (400). */
export function decodeCid (text: string): CID {
  try {
    return CID.parse(text.trim())
  } catch (err: any) {
    throw new InvalidArgumentError(`error decoding Cid: ${err?.message ?? String(err)}`)
  }
}

/** Canonical string of a CID given as text: CIDv0 stays base58btc, CIDv1 prints base32. */
export function normalizeCid (text: string): string {
  return decodeCid(text).toString()
}
