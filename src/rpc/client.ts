// Calls peer RPC methods on other peers: unary, streamed results, streamed arguments.
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from 'pino'
import type { ClusterHost } from '../host/host.js'
import { ClusterError } from '../api/errors.js'
import { RPC_PROTOCOL_ID, MAX_FRAME_BYTES, decodeFrame, decodeBytesItemFrame, encodeFrame } from './frames.js'
import type { Frame } from './frames.js'
import { FrameStream } from './frame-stream.js'
import { withTimeout } from '../common/signal.js'

const OPEN_TIMEOUT = 10_000
const CLOSE_TIMEOUT = 10_000

export interface RpcCallOptions {
  signal?: AbortSignal
}

export interface RpcStreamOptions extends RpcCallOptions {
  /**
   * Items that are blocks (bytes, or {cid, bytes}) keep their bytes in the pieces they arrived
   * in, a Uint8ArrayList (frames.ts, decodeBytesItemFrame), for a caller that hashes or copies
   * them to where they go anyway; other items are decoded as they are.
   */
  blockPieces?: boolean
}

export class RpcClient {
  private readonly host: ClusterHost
  private readonly log: Logger

  /** learns a peer's addresses when none are known (peer exchange); set once the peer manager runs */
  findPeer?: (peer: string) => Promise<boolean>

  constructor (init: { host: ClusterHost, logger: Logger }) {
    this.host = init.host
    this.log = init.logger
  }

  private async open (peer: string, callSignal?: AbortSignal): Promise<{ frames: FrameStream, stream: any }> {
    const id = peerIdFromString(peer)
    // Opening the stream is bounded even when the call is not: a peer that is alive at the
    // TCP level but frozen (paused, swapping) would otherwise hold the call forever.
    const signal = withTimeout(OPEN_TIMEOUT, callSignal)
    let stream
    try {
      stream = await this.host.dialProtocol(id, RPC_PROTOCOL_ID, { signal })
    } catch (err: any) {
      signal.throwIfAborted()
      if (err?.name === 'NoValidAddressesError') {
        // A peer heard of through gossip but never met: learn its addresses, then retry once.
        if (this.findPeer == null || !(await this.findPeer(peer))) throw err
        this.log.debug({ peer }, 'rpc: learned the peer\'s addresses by peer exchange')
      } else {
        // Nothing was sent yet, so any call may open once more: the connection picked may have
        // been closing (the peer restarted, or a duplicate connection was pruned) or the stream
        // reset while its protocol was negotiated. A peer that is really gone fails again.
        this.log.debug({ peer, err: err?.message }, 'rpc: opening a stream failed; once more')
      }
      stream = await this.host.dialProtocol(id, RPC_PROTOCOL_ID, { signal })
    }
    return { frames: new FrameStream(stream, MAX_FRAME_BYTES), stream }
  }

  /** The frame, or its error as a ClusterError. */
  private static check (f: Frame): Frame {
    if (f.e != null) throw new ClusterError(f.e, f.c ?? 500)
    return f
  }

  async call<T> (peer: string, service: string, method: string, arg: unknown, opts: RpcCallOptions = {}): Promise<T> {
    const { frames, stream } = await this.open(peer, opts.signal)
    let answered = false
    try {
      await frames.write(encodeFrame({ s: service, m: method, a: arg }), opts)
      const res = decodeFrame(await frames.readRequired('before the answer', opts))
      answered = true
      return RpcClient.check(res).r as T
    } finally {
      await RpcClient.end(stream, answered)
    }
  }

  async * stream<T> (peer: string, service: string, method: string, arg: unknown, opts: RpcStreamOptions = {}): AsyncIterable<T> {
    const { frames, stream } = await this.open(peer, opts.signal)
    const decode = opts.blockPieces === true ? decodeBytesItemFrame : decodeFrame
    let answered = false
    try {
      await frames.write(encodeFrame({ s: service, m: method, a: arg }), opts)
      while (true) {
        const f = decode(await frames.readRequired('before the answer', opts))
        // the end, or an error frame, is the peer's whole answer
        answered = f.z === true || f.e != null
        if (RpcClient.check(f).z === true) return
        yield f.i as T
      }
    } finally {
      await RpcClient.end(stream, answered)
    }
  }

  /** Sends a stream of items as the argument; resolves with the method's result. */
  async sink<T> (peer: string, service: string, method: string, arg: unknown, items: AsyncIterable<unknown>, opts: RpcCallOptions = {}): Promise<T> {
    const { frames, stream } = await this.open(peer, opts.signal)
    let answer: Frame | undefined
    try {
      await frames.write(encodeFrame({ s: service, m: method, a: arg }), opts)
      // The server may fail early (e.g. a full disk): read its answer concurrently so a
      // failure stops the sender instead of filling buffers.
      const reply = frames.readRequired('before the answer', opts).then(b => {
        answer = decodeFrame(b)
        return answer
      })
      reply.catch(() => {})
      for await (const item of items) {
        if (answer != null) break
        await frames.write(encodeFrame({ i: item }), opts)
      }
      if (answer == null) await frames.write(encodeFrame({ z: true }), opts)
      return RpcClient.check(await reply).r as T
    } finally {
      await RpcClient.end(stream, answer != null)
    }
  }

  /**
   * Ends a call's stream. After the peer's whole answer it is closed; otherwise (the caller
   * aborted, stopped reading a streamed answer, or the stream failed) it is reset, so the peer's
   * handler stops at once instead of sending on until flow control blocks it and waiting there
   * until the connection goes (a hedged read cancels the slow holder's shard this way).
   */
  private static async end (stream: any, answered: boolean): Promise<void> {
    if (answered) {
      // closing waits for the peer's side: a peer that froze right after answering must not
      // hold the caller, so a close that takes too long becomes a reset
      try {
        await stream.close({ signal: AbortSignal.timeout(CLOSE_TIMEOUT) })
        return
      } catch { /* reset below */ }
    }
    try {
      stream.abort(new ClusterError('rpc call ended before its answer', 499))
    } catch { /* already gone */ }
  }
}
