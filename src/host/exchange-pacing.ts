// When the peer manager asks its connected peers which peers they know (peer exchange).
//
// Why paced: the exchange is one RPC to every connected peer, each answered from the peer
// store and each address merged back into ours. Run every 5 s in a formed 6-peer cluster it
// was about 40 % of an idle daemon's CPU (bench/idle after 60 s: 20-25 ms a second per daemon,
// 11-15 paced), and on a 2-core machine that CPU is taken from the data path of every add and
// ecget.
//
// An exchange that teaches nothing (no peer, no address new to this peer) doubles the wait
// before the next one, up to a bound; a peer connecting or leaving (the cluster is forming or
// changing), or an exchange that taught something, brings it back to the shortest wait: a peer
// that joins through one bootstrap peer still reaches every other within a few seconds.
export class ExchangePacing {
  private readonly minMs: number
  private readonly maxMs: number
  private waitMs: number
  private nextAt: number

  constructor (minMs: number, maxMs: number, nowMs: number) {
    this.minMs = minMs
    this.maxMs = maxMs
    this.waitMs = minMs
    this.nextAt = nowMs
  }

  /** whether an exchange is due at `nowMs` */
  due (nowMs: number): boolean {
    return nowMs >= this.nextAt
  }

  /** An exchange finished at `nowMs`; `learned`: it taught a new peer or address. */
  done (nowMs: number, learned: boolean): void {
    this.waitMs = learned ? this.minMs : Math.min(this.maxMs, this.waitMs * 2)
    this.nextAt = nowMs + this.waitMs
  }

  /** A peer connected or disconnected: the next exchange is due at once. */
  changed (nowMs: number): void {
    this.waitMs = this.minMs
    this.nextAt = nowMs
  }

  /** the wait after the last exchange (for tests and logs) */
  get currentWaitMs (): number {
    return this.waitMs
  }
}
