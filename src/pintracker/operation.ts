// One in-flight tracker operation per CID (upstream optracker): what is being done to the CID on
// this peer, how far it got, and how often it was tried. Kept small: a peer catching up on a
// million pins may queue a million of them (max_queued_in_memory raised). A pin operation keeps
// what the IPFS connector pins with (CID, depth, origins and pin_update when set), not the
// whole pin (~1.1 KB decoded); its abort controller is made when it runs.
import type { Pin, TrackerStatusName } from '../api/types.js'

export type OperationType = 'pin' | 'unpin'
export type Phase = 'queued' | 'in_progress' | 'error'

export class Operation {
  readonly type: OperationType
  readonly cid: string
  private maxDepth: number
  /** a pin's origins and pin_update, kept only when set (most pins have neither) */
  private hints?: Partial<Pick<Pin, 'origins' | 'pin_update'>>
  /** the whole pin, kept only for unpins (the pinset no longer has it) */
  private full?: Pin
  phase: Phase = 'queued'
  attemptCount: number
  priority: boolean
  error = ''
  private at = Date.now()
  private controller?: AbortController
  private stopped = false

  constructor (type: OperationType, pin: Pin, attemptCount: number, priority: boolean) {
    this.type = type
    this.cid = pin.cid
    this.maxDepth = pin.max_depth
    this.keep(pin)
    this.attemptCount = attemptCount
    this.priority = priority
  }

  /**
   * The pin (for a pin operation: what IPFS pins it with; the pinset has the rest). The tracker
   * sets it again whenever the pinset changes the pin, so it is never older than the pinset's.
   */
  get pin (): Pin {
    return this.full ?? ({ cid: this.cid, type: 'pin', max_depth: this.maxDepth, ...this.hints } as unknown as Pin)
  }

  set pin (pin: Pin) {
    this.maxDepth = pin.max_depth
    this.keep(pin)
  }

  private keep (pin: Pin): void {
    if (this.type === 'unpin') {
      this.full = pin
      return
    }
    const origins = pin.origins != null && pin.origins.length > 0 ? pin.origins : undefined
    const update = pin.pin_update ?? undefined
    this.hints = origins === undefined && update === undefined ? undefined : { origins: origins ?? [], ...(update !== undefined ? { pin_update: update } : {}) }
  }

  get timestamp (): string {
    return new Date(this.at).toISOString()
  }

  /** what a running operation's calls wait on (made when the operation starts) */
  get signal (): AbortSignal {
    this.controller ??= new AbortController()
    if (this.stopped) this.controller.abort()
    return this.controller.signal
  }

  /**
   * Stops the operation: a running one is aborted, a queued one is dropped by the worker that
   * takes it. No controller is made for a queued one: the tracker of a peer catching up on a
   * million pins cancels a million queued operations when it stops.
   */
  cancel (): void {
    this.stopped = true
    this.controller?.abort()
  }

  setPhase (phase: Phase, error = ''): void {
    this.phase = phase
    this.error = error
    this.at = Date.now()
  }

  get cancelled (): boolean {
    return this.stopped
  }

  /** The tracker status this operation reports. */
  status (): TrackerStatusName {
    if (this.type === 'pin') {
      return this.phase === 'queued' ? 'pin_queued' : this.phase === 'in_progress' ? 'pinning' : 'pin_error'
    }
    return this.phase === 'queued' ? 'unpin_queued' : this.phase === 'in_progress' ? 'unpinning' : 'unpin_error'
  }
}
