// Reads just enough shards of one stripe: `need` good ones out of a preference order, with
// hedging. It keeps `need` fetches that are not slow going (good ones counted): a fetch that
// fails or is found corrupt is replaced by the next shard in order at once, and a fetch the
// hedge rule calls slow gets a spare beside it (it goes on too: whichever completes first
// counts). Once `need` shards are good, every fetch still running is aborted, so a frozen
// holder's stream is dropped instead of holding the read until its timeout. Fetches aborted
// here are not losses: the caller rebuilds their shards if it needs them, and reports them
// as hedged (slow), not lost.
import type { HedgeRule } from './hedge-rule.js'
import { isSlow } from './hedge-rule.js'
import type { FetchClock } from './hedge-rule.js'
import type { RawBlock, ShardKind } from './types.js'

export interface ShardId {
  kind: ShardKind
  index: number
}

/** A checked fetch: the shard's blocks, or why it is lost. */
export type CheckedFetch = (id: ShardId, signal: AbortSignal, onProgress: (bytes: number) => void) => Promise<RawBlock[] | 'missing' | 'failed' | 'corrupt'>

export interface ShardReadsInit {
  /** the shards that may be read, most wanted first (the first `need` start at once) */
  order: readonly ShardId[]
  need: number
  /** losses found while reading beyond which the stripe is lost anyway: reading stops */
  maxLosses: number
  fetch: CheckedFetch
  /** a shard's length in bytes (the hedge rule compares paces) */
  size: (id: ShardId) => number
  /** false: no hedging, wait for every fetch (tests, callers that want exactly one try each) */
  hedge: HedgeRule | false
  signal?: AbortSignal
}

export interface ShardReads {
  /** good shards by `${kind}/${index}` */
  got: Map<string, RawBlock[]>
  /** shards found lost while reading */
  lost: Array<ShardId & { reason: 'missing' | 'failed' | 'corrupt' }>
  /** fetches aborted because they were slow and enough other shards came first */
  hedged: ShardId[]
}

export const keyOf = (id: ShardId): string => `${id.kind}/${id.index}`

interface Flight {
  id: ShardId
  clock: FetchClock
  ctrl: AbortController
  slow: boolean
}

type Settled = { flight: Flight, result: RawBlock[] | 'missing' | 'failed' | 'corrupt' } | { flight: Flight, error: unknown }

export async function readShards (init: ShardReadsInit): Promise<ShardReads> {
  const { signal, hedge } = init
  signal?.throwIfAborted()
  const out: ShardReads = { got: new Map(), lost: [], hedged: [] }
  const queue = [...init.order]
  const flights = new Set<Flight>()
  const settled: Settled[] = []
  let wake: (() => void) | undefined
  const poke = (): void => { const w = wake; wake = undefined; w?.() }
  /** fetches that delivered a good shard: the best measure of the pace a fetch should have */
  const doneClocks: FetchClock[] = []

  const start = (id: ShardId): void => {
    const now = performance.now()
    const flight: Flight = { id, clock: { start: now, last: now, bytes: 0, size: init.size(id) }, ctrl: new AbortController(), slow: false }
    const fsignal = signal == null ? flight.ctrl.signal : AbortSignal.any([signal, flight.ctrl.signal])
    const onProgress = (n: number): void => {
      flight.clock.bytes += n
      flight.clock.last = performance.now()
    }
    flights.add(flight)
    init.fetch(id, fsignal, onProgress).then(result => { settled.push({ flight, result }) }, error => { settled.push({ flight, error }) }).finally(poke)
  }

  // fetches that are not (yet) called slow, plus good shards, should make `need`
  const topUp = (): void => {
    let running = 0
    for (const f of flights) if (!f.slow) running++
    while (out.got.size + running < init.need && queue.length > 0) {
      start(queue.shift() as ShardId)
      running++
    }
  }

  const checkSlow = (): void => {
    if (hedge === false) return
    const now = performance.now()
    const clocks = [...flights].map(f => f.clock)
    for (const f of flights) {
      if (f.slow) continue
      const others = [...clocks.filter(c => c !== f.clock), ...doneClocks]
      if (isSlow(f.clock, others, now, hedge)) f.slow = true
    }
  }

  const tick = hedge === false ? 0 : Math.max(10, Math.min(250, hedge.floorMs / 4))
  const onAbort = (): void => { poke() }
  signal?.addEventListener('abort', onAbort)
  try {
    topUp()
    while (out.got.size < init.need && out.lost.length <= init.maxLosses && flights.size > 0) {
      if (settled.length === 0) {
        await new Promise<void>(resolve => {
          wake = resolve
          if (tick > 0) {
            const t = setTimeout(poke, tick)
            const w = wake
            wake = () => { clearTimeout(t); w() }
          }
        })
      }
      signal?.throwIfAborted()
      for (const s of settled.splice(0)) {
        flights.delete(s.flight)
        if ('error' in s) throw s.error
        s.flight.clock.done = performance.now()
        if (typeof s.result === 'string') out.lost.push({ ...s.flight.id, reason: s.result })
        else if (out.got.size < init.need) {
          out.got.set(keyOf(s.flight.id), s.result)
          doneClocks.push(s.flight.clock)
        }
      }
      checkSlow()
      topUp()
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
    // what still runs is not needed: abort it so its holder stops sending
    for (const f of flights) {
      f.ctrl.abort(new DOMException('enough shards of the stripe arrived first', 'AbortError'))
      if (f.slow) out.hedged.push(f.id)
    }
  }
  return out
}
