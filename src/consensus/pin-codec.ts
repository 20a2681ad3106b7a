// Pins as values of the CRDT set. DAG-CBOR, because its canonical map order makes equal pins
// equal bytes on every peer: the set's tie-break compares values bytewise, so an encoding
// that depended on property order could make replicas pick different winners.
import * as dagCbor from '@ipld/dag-cbor'
import type { Pin } from '../api/types.js'

/** Fields in upstream's JSON output order; decoded pins are rebuilt in this order. */
const PIN_FIELDS = [
  'replication_factor_min', 'replication_factor_max', 'name', 'mode', 'shard_size',
  'user_allocations', 'expire_at', 'metadata', 'pin_update', 'origins',
  'cid', 'type', 'allocations', 'max_depth', 'reference', 'timestamp', 'erasure'
] as const

export function encodePin (pin: Pin): Uint8Array {
  // dag-cbor refuses undefined: absent optional fields are simply not written
  const obj: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(pin)) if (v !== undefined) obj[k] = v
  return dagCbor.encode(obj)
}

export function decodePin (bytes: Uint8Array): Pin {
  const obj = dagCbor.decode(bytes) as Record<string, unknown>
  if (obj == null || typeof obj !== 'object' || typeof obj.cid !== 'string') {
    throw new Error('invalid pin in the state')
  }
  const out: Record<string, unknown> = {}
  for (const f of PIN_FIELDS) if (f in obj) out[f] = obj[f]
  // fields a newer peer added are kept, after the known ones
  for (const [k, v] of Object.entries(obj)) if (!(k in out)) out[k] = v
  return out as unknown as Pin
}
