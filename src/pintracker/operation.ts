// One in-flight tracker operation per CID (upstream optracker): what is being done to the CID on
// this peer, how far it got, and how often it was tried.
import type { Pin, TrackerStatusName } from '../api/types.js'

export type OperationType = 'pin' | 'unpin'
export type Phase = 'queued' | 'in_progress' | 'error'

export class Operation {
  readonly type: OperationType
  pin: Pin
  phase: Phase = 'queued'
  attemptCount: number
  priority: boolean
  error = ''
  timestamp = new Date().toISOString()
  readonly abort = new AbortController()

  constructor (type: OperationType, pin: Pin, attemptCount: number, priority: boolean) {
    this.type = type
    this.pin = pin
    this.attemptCount = attemptCount
    this.priority = priority
  }

  setPhase (phase: Phase, error = ''): void {
    this.phase = phase
    this.error = error
    this.timestamp = new Date().toISOString()
  }

  get cancelled (): boolean {
    return this.abort.signal.aborted
  }

  /** The tracker status this operation reports. */
  status (): TrackerStatusName {
    if (this.type === 'pin') {
      return this.phase === 'queued' ? 'pin_queued' : this.phase === 'in_progress' ? 'pinning' : 'pin_error'
    }
    return this.phase === 'queued' ? 'unpin_queued' : this.phase === 'in_progress' ? 'unpinning' : 'unpin_error'
  }
}
