// Client-side --wait (upstream client.WaitFor): poll the status of a CID every second until
// enough peers reached the target status; any error status ends the wait at once.
import { setTimeout as sleep } from 'node:timers/promises'
import type { GlobalPinInfo, TrackerStatusName } from '../../api/types.js'
import type { Client } from './client.js'
import { ClientError, DeadlineExceededError } from './errors.js'

export interface WaitParams {
  cid: string
  target: TrackerStatusName
  /** how many peers must reach the target (0 = all; capped at the number of peers) */
  limit: number
  /** ms; upstream applies it only when longer than the 1 s polling period */
  timeoutMs: number
  local?: boolean
  checkFreqMs?: number
  signal?: AbortSignal
}

const ERROR_STATES = new Set<string>(['undefined', 'cluster_error', 'pin_error', 'unpin_error'])

/** True when the status satisfies the target; throws when a peer reports an error state. */
export function statusReached (target: TrackerStatusName, gpi: GlobalPinInfo, limit: number): boolean {
  const infos = Object.values(gpi.peer_map ?? {})
  for (const info of infos) {
    if (ERROR_STATES.has(info.status)) {
      throw new ClientError(`error has occurred while attempting to reach status: ${target}`)
    }
  }
  const l = Math.min(limit, infos.length)
  if (l > 0) return infos.filter(i => i.status === target).length >= l
  return infos.every(i => i.status === target || (target === 'pinned' && i.status === 'remote'))
}

/** Waits for the target; resolves with the last status seen. */
export async function waitFor (client: Client, p: WaitParams): Promise<GlobalPinInfo> {
  const freq = p.checkFreqMs ?? 1000
  const signals: AbortSignal[] = []
  if (p.signal != null) signals.push(p.signal)
  const deadline = p.timeoutMs > freq ? AbortSignal.timeout(p.timeoutMs) : undefined
  if (deadline != null) signals.push(deadline)
  const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined
  const expired = (): boolean => deadline?.aborted === true
  try {
    for (;;) {
      await sleep(freq, undefined, { signal })
      const gpi = await client.status(p.cid, p.local === true, { signal })
      if (statusReached(p.target, gpi, p.limit)) return gpi
    }
  } catch (err) {
    if (expired()) throw new DeadlineExceededError()
    throw err
  }
}
