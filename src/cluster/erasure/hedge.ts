// Hedged reads across a run (one ecget, one repair run): the peers a read had to hedge
// against, so the run's later stripes read parity in their place at once (a frozen holder
// costs the hedge delay once, not once per stripe), and the first answer among a block's
// holders (tree blocks), asking the next holder when one is slow. Slow is not lost: nothing
// here marks a shard or a copy for repair; it only changes whom a read asks first.
import { DEFAULT_HEDGE_RULE } from '../../erasure/hedge-rule.js'
import type { ErasureContext } from './context.js'

/** how long a peer hedged against stays "slow" when the caller keeps no run of its own */
const SLOW_FOR = 120_000

export class HedgeMemory {
  private readonly slowUntil = new Map<string, number>()
  private readonly forMs: number
  /** hedges so far (shard fetches and block requests answered by another holder first) */
  hedges = 0
  /** the run's typical answer time of one block request (ms): scales the tree hedge delay */
  private blockMs?: number

  constructor (opts: { forMs?: number } = {}) {
    this.forMs = opts.forMs ?? Infinity
  }

  /** Records a hedge against `peer`; true the first time it is called slow (log it then). */
  markSlow (peer: string): boolean {
    this.hedges++
    const fresh = !this.isSlow(peer)
    this.slowUntil.set(peer, Date.now() + this.forMs)
    return fresh
  }

  isSlow (peer: string): boolean {
    const until = this.slowUntil.get(peer)
    if (until == null) return false
    if (until >= Date.now()) return true
    this.slowUntil.delete(peer)
    return false
  }

  slowPeers (): string[] {
    return [...this.slowUntil.keys()].filter(p => this.isSlow(p))
  }

  /** how long a block request may go unanswered before the next holder is asked too */
  blockHedgeMs (): number {
    return Math.max(DEFAULT_HEDGE_RULE.floorMs, 4 * (this.blockMs ?? 0))
  }

  /** an answered block request's time (moving average) */
  blockAnswered (ms: number): void {
    this.blockMs = this.blockMs == null ? ms : 0.8 * this.blockMs + 0.2 * ms
  }
}

const shared = new WeakMap<ErasureContext, HedgeMemory>()

/**
 * The peer's own memory, for reads that keep no run of their own (a repair run reads stripe by
 * stripe through readStripe): a peer hedged against is avoided for SLOW_FOR after the last hedge.
 */
export function sharedHedgeMemory (ctx: ErasureContext): HedgeMemory {
  let m = shared.get(ctx)
  if (m == null) {
    m = new HedgeMemory({ forMs: SLOW_FOR })
    shared.set(ctx, m)
  }
  return m
}

export interface FirstOfOptions<C> {
  signal?: AbortSignal
  /** ms an attempt may go unanswered before the next candidate is asked beside it */
  hedgeMs: number
  /** an attempt failed (not aborted by us) */
  onFail?: (c: C, err: unknown) => void
  /** an attempt that another candidate was asked beside, and that another then beat: aborted */
  onHedged?: (c: C) => void
}

/**
 * The first success of `attempt` over `candidates`, asked in order: the next starts at once
 * when one fails, and beside the ones running when none answered within `hedgeMs`. The first
 * success wins and every other attempt is aborted. Rejects with the last failure when all fail.
 */
export async function firstOf<C, T> (candidates: readonly C[], attempt: (c: C, signal: AbortSignal) => Promise<T>, opts: FirstOfOptions<C>): Promise<T> {
  opts.signal?.throwIfAborted()
  if (candidates.length === 0) throw new Error('no candidate to ask')
  return await new Promise<T>((resolve, reject) => {
    let next = 0
    let settled = false
    let lastError: unknown
    let timer: NodeJS.Timeout | undefined
    const running = new Map<C, AbortController>()
    /** running attempts another candidate was asked beside */
    const late = new Set<C>()
    const finish = (fn: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      // what still runs is not needed: abort it so its holder stops sending
      for (const ctrl of running.values()) ctrl.abort(new DOMException('another holder answered first', 'AbortError'))
      fn()
    }
    const onAbort = (): void => { finish(() => { reject(opts.signal?.reason) }) }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    const launch = (): void => {
      clearTimeout(timer)
      if (next >= candidates.length) return
      const c = candidates[next++]
      const ctrl = new AbortController()
      running.set(c, ctrl)
      attempt(c, opts.signal == null ? ctrl.signal : AbortSignal.any([opts.signal, ctrl.signal])).then(v => {
        running.delete(c)
        if (settled) return
        for (const r of running.keys()) if (late.has(r)) opts.onHedged?.(r)
        finish(() => { resolve(v) })
      }, err => {
        running.delete(c)
        if (settled) return
        lastError = err
        opts.onFail?.(c, err)
        if (next < candidates.length) launch()
        else if (running.size === 0) finish(() => { reject(lastError) })
      })
      // nobody answered in time: ask the next one beside those running
      if (next < candidates.length) {
        timer = setTimeout(() => {
          for (const r of running.keys()) late.add(r)
          launch()
        }, opts.hedgeMs)
      }
    }
    launch()
  })
}
