// The slots of the add's one stripe buffer ((d+p) x shard size, shared with the codec's worker):
// data shard i of every stripe is laid out in slot i, parity j in slot d + j. A slot is refilled
// by the next stripe only once the shard it holds is stored (its holder confirmed it, or it was
// re-sent elsewhere, or recorded lost): until then its bytes are what a re-send sends. So an add
// holds one stripe (EC rule 2) and still never waits for a holder's disk at a stripe boundary:
// data shard i is stored while shards i+1.. of the stripe come in, the parity while the next
// stripe's data does.

export class StripeSlots {
  /** per slot, the latest shard laid out in it and when it is stored */
  private readonly holds: Array<{ stripe: number, stored: Promise<void> } | undefined>

  constructor (slots: number) {
    this.holds = new Array(slots).fill(undefined)
  }

  /** Slot `slot` holds a shard of `stripe` until `stored` settles (either way). */
  hold (slot: number, stripe: number, stored: Promise<unknown>): void {
    this.holds[slot] = { stripe, stored: stored.then(() => {}, () => {}) }
  }

  /** Waits until no stripe before `stripe` needs slot `slot`. */
  async free (slot: number, stripe: number): Promise<void> {
    const h = this.holds[slot]
    if (h != null && h.stripe < stripe) await h.stored
  }

  /** Waits until no stripe before `stripe` needs any slot (the codec writes parity, zeroes tails). */
  async freeAll (stripe: number): Promise<void> {
    for (let slot = 0; slot < this.holds.length; slot++) await this.free(slot, stripe)
  }
}
