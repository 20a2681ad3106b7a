// A read per item of a list, results in the list's order, with a bounded number of reads
// started ahead of the consumer: a stream off a disk or from another peer stays busy while the
// consumer handles a result, and memory stays bounded when the consumer is the slower side.

/**
 * `read(item)` for each item, yielded in order. Read i + `ahead` is started when the consumer
 * asks for result i, so with `ahead` 0 a read starts only once the consumer is done with the
 * result before it. A read that fails is thrown when its turn comes; reads started ahead of a
 * consumer that stops are left to finish unobserved.
 */
export async function * readInOrder<T, R> (items: readonly T[], read: (item: T) => Promise<R>, ahead: number): AsyncGenerator<R> {
  const started: Array<Promise<R>> = []
  let next = 0
  for (let i = 0; i < items.length; i++) {
    for (; next < items.length && next <= i + ahead; next++) {
      const p = read(items[next])
      p.catch(() => {})
      started.push(p)
    }
    yield await (started.shift() as Promise<R>)
  }
}
