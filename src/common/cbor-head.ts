// The head of a CBOR item, read where decoding the whole item would cost more than the answer:
// a spliced block item of an RPC frame (rpc/frames), one field of a stored pin (consensus/pin-codec),
// every item of a plain pin (common/cbor-plain).

export interface CborHead {
  /** major type, 0-7 */
  major: number
  /** the argument: a length, a count, an integer's value, or a float's bits */
  arg: number
  /** offset just past the head */
  next: number
}

/**
 * The head of the CBOR item at `at`; undefined when it runs past the end of `bytes` or has an
 * indefinite length (which DAG-CBOR and cborg's encodings never use).
 */
export function cborHead (bytes: Uint8Array, at: number): CborHead | undefined {
  if (at >= bytes.length) return undefined
  const major = bytes[at] >> 5
  const info = bytes[at] & 0x1f
  if (info < 24) return { major, arg: info, next: at + 1 }
  const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0
  if (size === 0 || at + 1 + size > bytes.length) return undefined
  let arg = 0
  for (let k = 1; k <= size; k++) arg = arg * 256 + bytes[at + k]
  return { major, arg, next: at + 1 + size }
}
