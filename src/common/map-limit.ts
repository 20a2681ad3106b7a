// Bounded concurrency over a list or a stream: the erasure status walks (a holder probed per
// shard), an erasure file's pin commits and unpins (pin-window.ts), and the walks of the pinset
// that re-pin or unpin what they meet (the cluster's repin from a failed peer, expiry): calls
// that wait together are group-committed by consensus into one delta.

/**
 * Runs fn over items with at most `limit` at once; the results in the items' order. After a
 * failure no further item is started, and the calls already running settle before the first
 * failure is thrown: a caller that undoes what succeeded (the add's pins) sees every success.
 */
export async function mapLimit<T, R> (items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  let failed: { err: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (failed == null && next < items.length) {
      const i = next++
      try {
        out[i] = await fn(items[i])
      } catch (err) {
        failed ??= { err }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failed != null) throw failed.err
  return out
}

/**
 * Runs fn over the items of an async iterable with at most `limit` calls at once, reading the
 * source only as calls finish: a walk of a million pins is streamed, never held. Failures as in
 * mapLimit: after the first, nothing new starts (the source is closed), the running calls
 * settle, and it is thrown. A source that fails also waits for the running calls.
 */
export async function eachLimit<T> (source: AsyncIterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>()
  let failed: { err: unknown } | undefined
  try {
    for await (const item of source) {
      if (failed != null) break
      const call: Promise<void> = fn(item)
        .catch(err => { failed ??= { err } })
        .finally(() => { running.delete(call) })
      running.add(call)
      if (running.size >= limit) await Promise.race(running)
    }
  } finally {
    await Promise.all(running)
  }
  if (failed != null) throw failed.err
}
