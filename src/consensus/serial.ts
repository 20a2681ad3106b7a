// Runs async tasks one at a time in call order: merges and local commits must not interleave,
// because both read the set and the heads and then write them.
export class Serial {
  private tail: Promise<unknown> = Promise.resolve()

  async run<T> (task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task)
    // the chain must survive a failed task
    this.tail = result.catch(() => {})
    return await result
  }

  /** Resolves once every task queued so far has finished. */
  async idle (): Promise<void> {
    await this.tail
  }
}
