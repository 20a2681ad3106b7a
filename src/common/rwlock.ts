// A readers-writer lock: many readers at once, a writer alone. Writers wait for readers to
// finish and new readers wait behind a waiting writer, so a writer is never starved.
export class RWLock {
  private readers = 0
  private writing = false
  private readonly queue: Array<{ write: boolean, go: () => void }> = []

  async read<T> (fn: () => Promise<T>): Promise<T> {
    await this.acquire(false)
    try {
      return await fn()
    } finally {
      this.readers--
      this.pump()
    }
  }

  async write<T> (fn: () => Promise<T>): Promise<T> {
    await this.acquire(true)
    try {
      return await fn()
    } finally {
      this.writing = false
      this.pump()
    }
  }

  private async acquire (write: boolean): Promise<void> {
    await new Promise<void>(resolve => {
      this.queue.push({ write, go: resolve })
      this.pump()
    })
  }

  private pump (): void {
    while (this.queue.length > 0 && !this.writing) {
      const next = this.queue[0]
      if (next.write) {
        if (this.readers > 0) return
        this.queue.shift()
        this.writing = true
        next.go()
        return
      }
      this.queue.shift()
      this.readers++
      next.go()
    }
  }
}
