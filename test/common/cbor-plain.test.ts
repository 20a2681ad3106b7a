// The plain DAG-CBOR decoder against @ipld/dag-cbor: on what it takes it must give dag-cbor's
// value exactly, and it must give up (undefined) on everything else, above all on encodings
// dag-cbor's strict decoder refuses, so that the caller's fallback keeps dag-cbor's errors.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { decodePlainCbor } from '../../src/common/cbor-plain.js'
import { decodePin, encodePin } from '../../src/consensus/pin-codec.js'
import type { Pin } from '../../src/api/types.js'

/** a deterministic pseudo-random source, so a failure is the same on every run */
function random (seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

const ASCII = 'abcdefghijklmnopqrstuvwxyz0123456789-_/:. "\\{}<>&\n\t\u007f'
const OTHER = 'éあ✓\u2028ключ😀'

function text (rand: () => number, other: boolean): string {
  let s = ''
  const n = Math.floor(rand() * 70)
  for (let i = 0; i < n; i++) s += other && rand() < 0.1 ? OTHER[Math.floor(rand() * OTHER.length)] : ASCII[Math.floor(rand() * ASCII.length)]
  return s
}

const INTEGERS = [0, 1, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -24, -25, -256, -257, -65537, -(2 ** 32), -(2 ** 53 - 1)]

/** plain data of every kind the decoder takes, and (with `other`) some it leaves to dag-cbor */
function value (rand: () => number, depth: number, other: boolean): unknown {
  const kinds = depth > 3 ? 5 : 7
  switch (Math.floor(rand() * (other ? kinds + 3 : kinds))) {
    case 0: return INTEGERS[Math.floor(rand() * INTEGERS.length)]
    case 1: return Math.floor(rand() * 1e6) - 5e5
    case 2: return text(rand, other)
    case 3: return rand() < 0.5
    case 4: return null
    case 5: return Array.from({ length: Math.floor(rand() * 5) }, () => value(rand, depth + 1, other))
    case 6: {
      const obj: Record<string, unknown> = {}
      const n = Math.floor(rand() * 8)
      for (let i = 0; i < n; i++) obj[text(rand, other).slice(0, 12 + Math.floor(rand() * 30))] = value(rand, depth + 1, other)
      return obj
    }
    case 7: return rand() * 1000 + 0.5
    case 8: return new Uint8Array([1, 2, 3, Math.floor(rand() * 256)])
    default: return CID.parse('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
  }
}

const VALUES = 3000

/** Decodes VALUES random values both ways; each one taken must equal dag-cbor's. Returns how many were taken. */
function takenOf (seed: number, other: boolean): number {
  const rand = random(seed)
  let taken = 0
  for (let i = 0; i < VALUES; i++) {
    const bytes = dagCbor.encode(value(rand, 0, other))
    const got = decodePlainCbor(bytes)
    if (got === undefined) continue
    taken++
    assert.deepStrictEqual(got, dagCbor.decode(bytes))
  }
  return taken
}

test('plain values decode as dag-cbor decodes them', () => {
  // ASCII-only data is always taken; integers past 2^32 and their negatives are left
  const taken = takenOf(7, false)
  assert.ok(taken > 2500, `only ${taken} of ${VALUES} plain values were taken`)
})

test('values with other characters, floats, bytes or CIDs are left to dag-cbor or decode the same', () => {
  const left = VALUES - takenOf(11, true)
  assert.ok(left > 300, `only ${left} of ${VALUES} values were left to dag-cbor`)
})

test('encodings dag-cbor refuses, and those no DAG-CBOR encoder writes, are left to it', () => {
  const refused: Array<[string, number[]]> = [
    ['an integer not in its shortest form', [0x18, 0x05]],
    ['a 2-byte integer that fits in one', [0x19, 0x00, 0xff]],
    ['a repeated map key', [0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02]],
    ['a map key that is not text', [0xa1, 0x01, 0x02]],
    ['bytes after the item', [0x01, 0x02]],
    ['a truncated string', [0x63, 0x61, 0x62]],
    ['an indefinite-length array', [0x9f, 0x01, 0xff]],
    ['an array counting more items than bytes', [0x9a, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ['a map counting more entries than bytes', [0xba, 0x00, 0x01, 0x00, 0x00, 0x61, 0x61, 0x01]]
  ]
  for (const [what, bytes] of refused) {
    assert.equal(decodePlainCbor(new Uint8Array(bytes)), undefined, what)
    assert.throws(() => dagCbor.decode(new Uint8Array(bytes)), `dag-cbor takes ${what}`)
  }
  // dag-cbor takes these (keys in their written order; undefined as null): its value stands
  const unusual: Array<[string, number[]]> = [
    ['map keys out of order (longer first)', [0xa2, 0x62, 0x61, 0x62, 0x01, 0x61, 0x63, 0x02]],
    ['map keys out of order (same length)', [0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02]],
    ['undefined', [0xf7]]
  ]
  for (const [what, bytes] of unusual) assert.equal(decodePlainCbor(new Uint8Array(bytes)), undefined, what)
  // a __proto__ key would set the object's prototype if assigned: left to dag-cbor
  assert.equal(decodePlainCbor(dagCbor.encode({ ['__proto__']: 1 })), undefined)
})

test('a stored pin decodes to the pin it was', () => {
  const pin: Pin = {
    cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
    type: 'pin',
    allocations: ['12D3KooWLbZSnqpbjc9GjUQSaADc9kAzdR1tP1vZ5KHrVrDdAPDZ'],
    max_depth: -1,
    reference: null,
    timestamp: '2026-12-06T14:16:50.123456789Z',
    replication_factor_min: -1,
    replication_factor_max: -1,
    name: 'backup',
    mode: 'recursive',
    shard_size: 0,
    user_allocations: null,
    expire_at: '0001-01-01T00:00:00Z',
    metadata: { owner: 'ops' },
    pin_update: null,
    origins: []
  } as unknown as Pin
  const bytes = encodePin(pin)
  assert.notEqual(decodePlainCbor(bytes), undefined)
  assert.deepStrictEqual(decodePin(bytes), pin)
  // field order as upstream's JSON, whichever decoder read it
  const named = encodePin({ ...pin, name: 'sauvegarde-é' })
  assert.equal(decodePlainCbor(named), undefined)
  assert.deepStrictEqual(Object.keys(decodePin(named)), Object.keys(decodePin(bytes)))
})
