// Waiting for a libp2p stream to take more writes. Not stream.onDrain(): its promise is made
// once and never renewed once resolved, so it waits only the first time, and every later wait
// returns at once while the stream's write buffer grows (a whole add's blocks, or a whole file
// uploaded over libp2p-http, held in memory).

/** The stream's next 'drain'; rejects when it closes first (its error, else `closed()`) or the signal aborts. */
export async function nextDrain (stream: any, closed: () => Error, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      stream.removeEventListener('drain', onDrain)
      stream.removeEventListener('close', onClose)
      signal?.removeEventListener('abort', onAbort)
      if (err == null) resolve()
      else reject(err)
    }
    const onDrain = (): void => { done() }
    const onClose = (evt: any): void => { done(evt.error ?? closed()) }
    const onAbort = (): void => { done(signal?.reason) }
    stream.addEventListener('drain', onDrain)
    stream.addEventListener('close', onClose)
    signal?.addEventListener('abort', onAbort)
  })
}
