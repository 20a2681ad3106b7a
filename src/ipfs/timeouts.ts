// Deadlines for IPFS calls: a plain timeout, and the "no progress for this long" rule upstream
// applies to pins (a big pin may take hours as long as it keeps moving).
import { IpfsTimeoutError } from './errors.js'
import { withTimeout as timeoutSignal } from '../common/signal.js'

export async function withTimeout<T> (ms: number, parent: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = timeoutSignal(ms, parent)
  try {
    return await fn(signal)
  } catch (err) {
    // aborted while the caller's signal is not: the timeout fired
    if (signal.aborted && parent?.aborted !== true) throw new IpfsTimeoutError(`IPFS operation timed out after ${ms} ms`)
    throw err
  }
}

export async function withProgressTimeout<T> (ms: number, parent: AbortSignal | undefined, fn: (signal: AbortSignal, progress: () => void) => Promise<T>): Promise<T> {
  const stalled = new AbortController()
  let timer = setTimeout(() => stalled.abort(), ms)
  const progress = (): void => {
    clearTimeout(timer)
    timer = setTimeout(() => stalled.abort(), ms)
  }
  const signal = parent == null ? stalled.signal : AbortSignal.any([parent, stalled.signal])
  try {
    return await fn(signal, progress)
  } catch (err) {
    if (stalled.signal.aborted && parent?.aborted !== true) throw new IpfsTimeoutError(`IPFS operation made no progress for ${ms} ms`)
    throw err
  } finally {
    clearTimeout(timer)
  }
}
