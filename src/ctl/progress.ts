// A one-line progress bar on a TTY stream (stderr): bytes done / total, percentage and rate.
// Used by `add` (bytes uploaded) and meant for ecget / ecrecovery (bytes fetched / rebuilt).
// It never draws on a non-TTY stream, so piped output and logs stay clean.
import type { WriteStream } from 'node:tty'
import { humanBytes } from './format/humanize.js'

export interface ProgressOptions {
  /** total bytes, when known */
  total?: number
  /** word in front of the bar ("adding", "fetching") */
  label?: string
  stream?: NodeJS.WriteStream | WriteStream
  /** minimum time between redraws */
  intervalMs?: number
  /** finish (draw the final state, end the line) as soon as the total is reached */
  autoFinish?: boolean
}

/** Whether a progress bar should be shown: only on a TTY and never with --enc=json. */
export function progressWanted (encoding: string, stream: { isTTY?: boolean } = process.stderr): boolean {
  return stream.isTTY === true && encoding !== 'json'
}

export class ProgressBar {
  private done = 0
  private total: number | undefined
  private readonly label: string
  private readonly stream: NodeJS.WriteStream | WriteStream
  private readonly intervalMs: number
  private readonly started = Date.now()
  private lastDraw = 0
  private drawn = false
  private finished = false
  private readonly autoFinish: boolean

  constructor (opts: ProgressOptions = {}) {
    this.total = opts.total
    this.label = opts.label ?? ''
    this.stream = opts.stream ?? process.stderr
    this.intervalMs = opts.intervalMs ?? 200
    this.autoFinish = opts.autoFinish === true
  }

  setTotal (total: number | undefined): void {
    this.total = total
  }

  /** Counts n more bytes. */
  add (n: number): void {
    this.done += n
    if (this.autoFinish && this.total != null && this.done >= this.total) this.finish()
    else this.maybeDraw()
  }

  /** Sets the byte count. */
  set (n: number): void {
    this.done = n
    this.maybeDraw()
  }

  /** The current line, without control characters (width = terminal columns). */
  render (nowMs = Date.now(), columns = (this.stream.columns ?? 0) > 0 ? this.stream.columns : 80): string {
    const secs = Math.max((nowMs - this.started) / 1000, 0.001)
    const rate = `${humanBytes(this.done / secs)}/s`
    const head = this.label !== '' ? `${this.label} ` : ''
    if (this.total == null || this.total <= 0) {
      return `${head}${humanBytes(this.done)}  ${rate}`.slice(0, Math.max(columns - 1, 10))
    }
    const frac = Math.min(this.done / this.total, 1)
    const tail = ` ${humanBytes(this.done)} / ${humanBytes(this.total)} ${(frac * 100).toFixed(0).padStart(3)}%  ${rate}`
    const width = Math.max(Math.min(columns - 1 - head.length - tail.length - 2, 50), 5)
    const full = Math.round(frac * width)
    return `${head}[${'#'.repeat(full)}${'.'.repeat(width - full)}]${tail}`
  }

  private maybeDraw (): void {
    const now = Date.now()
    // the first draw waits one interval too, so that quick transfers leave no bar behind
    const since = now - (this.lastDraw === 0 ? this.started : this.lastDraw)
    if (this.finished || since < this.intervalMs) return
    this.draw(now)
  }

  private draw (now: number): void {
    this.lastDraw = now
    this.drawn = true
    // \r + clear line: redraw in place
    this.stream.write(`\r\x1b[2K${this.render(now)}`)
  }

  /** Draws the final state and ends the line; nothing is written if nothing was drawn before. */
  finish (): void {
    if (this.finished) return
    this.finished = true
    // a transfer too short to have shown a bar leaves no trace
    if (!this.drawn && this.lastDraw === 0 && Date.now() - this.started < this.intervalMs) return
    this.draw(Date.now())
    this.stream.write('\n')
  }

  /** Wipes the line so that other output can be printed; the next update redraws it. */
  suspend (): void {
    if (this.finished || !this.drawn) return
    this.stream.write('\r\x1b[2K')
    this.drawn = false
    this.lastDraw = 0
  }

  /** Removes the bar (before printing an error, say). */
  clear (): void {
    if (this.finished) return
    this.finished = true
    if (this.drawn) this.stream.write('\r\x1b[2K')
  }
}
