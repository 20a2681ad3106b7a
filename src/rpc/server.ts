// Serves peer RPC methods over libp2p streams. Each method declares who may call it, as
// upstream's rpc_policy.go: open (any peer), trusted (trusted peers only), local (this peer only:
// never served to the network).
import type { Logger } from 'pino'
import type { ClusterHost } from '../host/host.js'
import { errorMessage, statusOf } from '../api/errors.js'
import { RPC_PROTOCOL_ID, MAX_FRAME_BYTES, decodeFrame, decodeItemFrame, encodeFrame, RpcPermissionError } from './frames.js'
import type { Frame } from './frames.js'
import { FrameStream } from './frame-stream.js'

export type Policy = 'open' | 'trusted' | 'local'

export interface CallContext {
  /** the calling peer */
  peer: string
  signal: AbortSignal
}

export type MethodSpec =
  | { policy: Policy, kind: 'unary', handler: (arg: any, ctx: CallContext) => Promise<unknown> }
  | { policy: Policy, kind: 'stream', handler: (arg: any, ctx: CallContext) => AsyncIterable<unknown> }
  | { policy: Policy, kind: 'sink', handler: (arg: any, items: AsyncIterable<any>, ctx: CallContext) => Promise<unknown> }

export class RpcServer {
  private readonly host: ClusterHost
  private readonly log: Logger
  private readonly isTrusted: (peer: string) => boolean
  private readonly methods = new Map<string, MethodSpec>()
  private readonly running = new AbortController()

  constructor (init: { host: ClusterHost, logger: Logger, isTrusted: (peer: string) => boolean }) {
    this.host = init.host
    this.log = init.logger
    this.isTrusted = init.isTrusted
  }

  register (service: string, method: string, spec: MethodSpec): void {
    this.methods.set(`${service}.${method}`, spec)
  }

  async start (): Promise<void> {
    // the same bound both ways: libp2p's default of 64 outbound streams per protocol and
    // connection fails calls at once when many are in flight or still closing to one peer
    await this.host.handle(RPC_PROTOCOL_ID, (stream: any, connection: any) => {
      void this.serve(stream, connection.remotePeer.toString())
    }, { maxInboundStreams: 1024, maxOutboundStreams: 1024, runOnLimitedConnection: false })
  }

  async stop (): Promise<void> {
    this.running.abort()
    await this.host.unhandle(RPC_PROTOCOL_ID)
  }

  private allowed (policy: Policy, peer: string): boolean {
    if (peer === this.host.peerId.toString()) return true
    if (policy === 'open') return true
    if (policy === 'trusted') return this.isTrusted(peer)
    return false
  }

  private async serve (stream: any, peer: string): Promise<void> {
    const frames = new FrameStream(stream, MAX_FRAME_BYTES)
    const controller = new AbortController()
    const signal = AbortSignal.any([controller.signal, this.running.signal])
    const write = async (f: Frame): Promise<void> => { await frames.write(encodeFrame(f), { signal }) }
    const read = async (): Promise<Frame> => decodeFrame(await frames.readRequired('before the call was complete', { signal }))
    try {
      const req = await read()
      const name = `${req.s ?? ''}.${req.m ?? ''}`
      const spec = this.methods.get(name)
      if (spec == null) {
        await write({ e: `rpc: can't find method ${name}`, c: 404 })
        return
      }
      if (!this.allowed(spec.policy, peer)) throw new RpcPermissionError(name)
      const ctx: CallContext = { peer, signal }
      if (spec.kind === 'unary') {
        await write({ r: await spec.handler(req.a, ctx) })
      } else if (spec.kind === 'stream') {
        for await (const item of spec.handler(req.a, ctx)) await write({ i: item })
        await write({ z: true })
      } else {
        // a block keeps the pieces it arrived in (decodeItemFrame)
        const items = (async function * () {
          while (true) {
            const f = decodeItemFrame(await frames.readRequired('before the call was complete', { signal }))
            if (f.z === true) return
            if (f.e != null) throw new Error(f.e)
            yield f.i
          }
        })()
        await write({ r: await spec.handler(req.a, items, ctx) })
      }
      await stream.close()
    } catch (err) {
      this.log.debug({ peer, err: errorMessage(err) }, 'rpc call failed')
      try {
        await write({ e: errorMessage(err), c: statusOf(err) })
        await stream.close()
      } catch {
        stream.abort?.(err instanceof Error ? err : new Error(String(err)))
      }
    } finally {
      controller.abort()
    }
  }
}
