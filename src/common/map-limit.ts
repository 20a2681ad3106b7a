// Bounded concurrency over a list: the erasure status walks (a holder probed per shard) and an
// erasure file's pin commits and unpins (pin-window.ts: a window of pins that consensus group-commits).

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
