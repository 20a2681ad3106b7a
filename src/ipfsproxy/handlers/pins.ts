// pin/add, pin/rm, pin/ls and pin/update act on the cluster's pinset, not on one IPFS node:
// that is what the proxy is for (upstream's hijacked pin endpoints).
import { ALL_PIN_TYPES } from '../../api/types.js'
import type { Pin } from '../../api/types.js'
import { defaultPinOptions } from '../../api/pin.js'
import { NotFoundError, errorMessage, ERR_NOT_FOUND_MESSAGE } from '../../api/errors.js'
import type { ProxyCall } from '../context.js'
import { requireArg } from '../context.js'
import { KuboRpcError, clientError } from '../errors.js'
import { pathOrCidPath, rootCid } from '../paths.js'
import { sendJson, streamJson } from '../respond.js'

function parsePath (arg: string): string {
  try {
    return pathOrCidPath(arg)
  } catch (err) {
    throw new KuboRpcError(`Error parsing IPFS Path: ${errorMessage(err)}`)
  }
}

export async function pinAdd (call: ProxyCall): Promise<void> {
  const path = parsePath(requireArg(call, 'ipfs-path'))
  const opts = defaultPinOptions()
  // upstream reads `type`; kubo's own clients say direct with recursive=false
  if (call.query.get('type') === 'direct' || call.query.get('recursive') === 'false') opts.mode = 'direct'
  const pin = await call.deps.cluster.pinPath(path, opts, { signal: call.signal })
  sendJson(call.res, { Pins: [pin.cid] })
}

export async function pinRm (call: ProxyCall): Promise<void> {
  const path = parsePath(requireArg(call, 'ipfs-path'))
  try {
    const pin = await call.deps.cluster.unpinPath(path, { signal: call.signal })
    sendJson(call.res, { Pins: [pin.cid] })
  } catch (err) {
    // kubo's text, so that kubo clients recognise "nothing to unpin"
    if (isNotFound(err)) throw new KuboRpcError('not pinned or pinned indirectly')
    throw err
  }
}

export async function pinLs (call: ProxyCall): Promise<void> {
  const q = call.query
  const stream = q.get('stream') === 'true' || q.get('s') === 'true'
  const type = q.get('type') ?? 'all'
  if (!['all', 'recursive', 'direct', 'indirect'].includes(type)) {
    throw clientError(`invalid type '${type}', must be one of {direct, indirect, recursive, all}`)
  }
  const wanted = (p: Pin): boolean => type === 'all' || type === p.mode
  const arg = q.get('arg')
  if (arg != null && arg !== '') {
    const cid = rootCid(arg).toString()
    let pin: Pin
    try {
      pin = await call.deps.cluster.pinGet(cid, { signal: call.signal })
    } catch {
      throw new KuboRpcError(`Error: path '${arg}' is not pinned`)
    }
    if (!wanted(pin)) throw new KuboRpcError(`Error: path '${arg}' is not pinned as ${type}`)
    if (stream) sendJson(call.res, { Cid: pin.cid, Type: pin.mode })
    else sendJson(call.res, { Keys: { [pin.cid]: { Type: pin.mode } } })
    return
  }
  const pins = call.deps.cluster.pins(ALL_PIN_TYPES, { signal: call.signal })
  if (stream) {
    await streamJson(call.res, (async function * () {
      for await (const p of pins) if (wanted(p)) yield { Cid: p.cid, Type: p.mode }
    })())
    return
  }
  const keys: Record<string, { Type: string }> = {}
  for await (const p of pins) if (wanted(p)) keys[p.cid] = { Type: p.mode }
  sendJson(call.res, { Keys: keys })
}

export async function pinUpdate (call: ProxyCall): Promise<void> {
  const args = call.query.getAll('arg')
  if (args.length === 0) throw clientError('argument "from-path" is required')
  if (args.length === 1) throw clientError('argument "to-path" is required')
  const unpin = call.query.get('unpin') !== 'false'
  let from: string, to: string
  try {
    from = pathOrCidPath(args[0])
  } catch (err) {
    throw new KuboRpcError(`error parsing "from-path" argument: ${errorMessage(err)}`)
  }
  try {
    to = pathOrCidPath(args[1])
  } catch (err) {
    throw new KuboRpcError(`error parsing "to-path" argument: ${errorMessage(err)}`)
  }
  const fromCid = await call.deps.ipfs.resolve(from, { signal: call.signal })
  // the new pin takes the old one's options and allocations (the core's pin-update rule)
  const pin = await call.deps.cluster.pinPath(to, { ...defaultPinOptions(), pin_update: fromCid }, { signal: call.signal })
  if (unpin) await call.deps.cluster.unpin(fromCid, { signal: call.signal })
  sendJson(call.res, { Pins: [fromCid, pin.cid] })
}

function isNotFound (err: unknown): boolean {
  return err instanceof NotFoundError || errorMessage(err) === ERR_NOT_FOUND_MESSAGE
}
