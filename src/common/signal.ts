// AbortSignal helpers shared by every component that waits on a peer.

/** The caller's signal bounded by a timeout: aborts on whichever comes first. */
export function withTimeout (ms: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(ms)
  return signal == null ? timeout : AbortSignal.any([signal, timeout])
}
