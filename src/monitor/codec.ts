// Wire form of a metric on the `monitor.metrics` topic: the Metric's JSON object (the same field
// names as the REST API's /monitor/metrics). Upstream sends msgpack, but Go peers never share a
// topic with this port, and JSON keeps the package free of another codec.
import type { Metric } from '../api/types.js'

export class InvalidMetricMessageError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'InvalidMetricMessageError'
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeMetric (m: Metric): Uint8Array {
  return encoder.encode(JSON.stringify({
    name: m.name,
    peer: m.peer,
    value: m.value,
    expire: m.expire,
    valid: m.valid,
    weight: m.weight,
    partitionable: m.partitionable,
    received_at: m.received_at
  }))
}

/** Decodes and type-checks a received metric; throws InvalidMetricMessageError. */
export function decodeMetric (data: Uint8Array): Metric {
  let obj: unknown
  try {
    obj = JSON.parse(decoder.decode(data))
  } catch (err) {
    throw new InvalidMetricMessageError(`metric message is not JSON: ${(err as Error).message}`)
  }
  if (obj == null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new InvalidMetricMessageError('metric message is not an object')
  }
  const o = obj as Record<string, unknown>
  const str = (k: string): string => {
    const v = o[k] ?? ''
    if (typeof v !== 'string') throw new InvalidMetricMessageError(`metric field ${k} is not a string`)
    return v
  }
  const num = (k: string): number => {
    const v = o[k] ?? 0
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidMetricMessageError(`metric field ${k} is not a number`)
    return v
  }
  const bool = (k: string): boolean => {
    const v = o[k] ?? false
    if (typeof v !== 'boolean') throw new InvalidMetricMessageError(`metric field ${k} is not a boolean`)
    return v
  }
  const m: Metric = {
    name: str('name'),
    peer: str('peer'),
    value: str('value'),
    expire: num('expire'),
    valid: bool('valid'),
    weight: num('weight'),
    partitionable: bool('partitionable'),
    received_at: num('received_at')
  }
  if (m.name === '') throw new InvalidMetricMessageError('metric without a name')
  if (m.peer === '') throw new InvalidMetricMessageError('metric without a peer')
  return m
}
