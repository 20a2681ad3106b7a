// What pin add / rm / update print after the request (upstream handlePinResponseFormatFlags):
// with --wait, poll until the target status; with --no-status, the Pin itself; otherwise the
// status fetched after a 1 s pause.
import { setTimeout as sleep } from 'node:timers/promises'
import type { GlobalPinInfo, Pin, TrackerStatusName } from '../../api/types.js'
import type { CommandContext } from '../context.js'
import { waitFor } from '../client/wait.js'
import { formatGlobalPinInfo, formatPin } from '../format/text.js'

export interface PinResponseFlags {
  status?: boolean // false with --no-status
  wait?: boolean
  waitLimit?: number
  /** ms */
  waitTimeout?: number
}

export async function handlePinResponse (
  ctx: CommandContext,
  flags: PinResponseFlags,
  waitLimitGiven: boolean,
  pin: Pin,
  target: TrackerStatusName
): Promise<void> {
  let status: GlobalPinInfo | undefined
  if (flags.wait === true) {
    const limit = waitLimitGiven ? (flags.waitLimit ?? 0) : target === 'pinned' ? pin.replication_factor_min : 0
    try {
      status = await waitFor(ctx.client, { cid: pin.cid, target, limit, timeoutMs: flags.waitTimeout ?? 0, signal: ctx.signal })
    } catch (err) {
      return ctx.out.fail(err, 'waiting for pin status')
    }
  }
  if (flags.status === false) {
    ctx.out.print(pin, formatPin)
    return
  }
  if (status == null) {
    await sleep(1000, undefined, { signal: ctx.signal })
    try {
      status = await ctx.client.status(pin.cid, false, { signal: ctx.signal })
    } catch (err) {
      return ctx.out.fail(err)
    }
  }
  ctx.out.print(status, formatGlobalPinInfo)
}
