// When a shard fetch is slow enough to be worth a spare one ("hedged reads"). Any d of a
// stripe's d+p shards rebuild it, so a reader waiting on one holder (frozen, swapping, on a
// congested link) can ask one more holder instead of waiting for the 60 s block timeout.
// Asking costs a whole shard of traffic and a codec pass, so "slow" is judged against the
// other fetches of the same stripe: a fetch is late once it ran longer than a floor plus a
// multiple of what the others' pace says its size needs. On a busy machine (or with big
// shards) the others are slow too, so nobody is called slow for it; a frozen holder, sending
// nothing while the others finish, is called slow a floor's time after the others are done.

export interface HedgeRule {
  /** never call a fetch slow before it ran this long (ms): a first byte may take a while */
  floorMs: number
  /** late = ran longer than floorMs + factor × (its size at the others' median pace) */
  factor: number
  /** with nothing to compare against (no other fetch moved a byte): no byte for this long (ms) */
  aloneMs: number
}

export const DEFAULT_HEDGE_RULE: HedgeRule = { floorMs: 1500, factor: 2, aloneMs: 6000 }

/** What the reader knows of one fetch. Times in ms (any monotonic clock). */
export interface FetchClock {
  start: number
  /** when the last byte arrived (start before the first) */
  last: number
  bytes: number
  /** the shard's length */
  size: number
  /** when it completed; unset while in flight */
  done?: number
}

/** The fetch's pace so far, bytes per ms. */
function pace (f: FetchClock, now: number): number {
  return f.bytes / Math.max(1, (f.done ?? now) - f.start)
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Whether `f` (in flight) is slow, judged against `others` (the stripe's other fetches, done or not). */
export function isSlow (f: FetchClock, others: readonly FetchClock[], now: number, rule: HedgeRule = DEFAULT_HEDGE_RULE): boolean {
  const moving = others.filter(o => o.bytes > 0)
  if (moving.length === 0) return now - Math.max(f.start, f.last) > rule.aloneMs
  const rate = median(moving.map(o => pace(o, now)))
  // what a fresh fetch of this shard should take at the others' pace: a spare is not worth it
  // before the fetch overran that by a wide margin
  const fresh = f.size / rate
  if (now - f.start <= rule.floorMs + rule.factor * fresh) return false
  // a fetch still moving, at a pace that finishes it before a fresh one would, is left alone;
  // one that stopped moving (frozen part-way) is not
  const stalled = f.bytes === 0 || now - f.last > rule.floorMs
  const own = stalled ? Infinity : (f.size - f.bytes) / pace(f, now)
  return own > fresh
}
