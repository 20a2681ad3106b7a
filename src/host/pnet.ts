// The private network (libp2p pnet, as go-libp2p and upstream cluster speak it): both ends send
// a random 24-byte nonce, then every byte each way is XORed with the XSalsa20 keystream of the
// 32-byte cluster secret and the sender's nonce. A peer with another secret gets noise only,
// so its connection fails in the security handshake that follows.
//
// Why not @libp2p/pnet: its cipher (the `xsalsa20` package) keeps a view of a WebAssembly memory
// that every connection shares; once one connection grows that memory, the others' views are
// detached and each of their next writes grows it again by a whole write, until the memory's
// maximum is hit and the process dies (seen when a 64 MiB add went to 5 peers). Its nonce
// exchange also gives up after 1 s, too short for a loaded machine. Ours (xsalsa20.ts) is
// libsodium's where sodium-native loads, else a WebAssembly SIMD kernel of our own whose memory
// is fixed (it cannot grow): all connections share its 64 KiB window one synchronous call at a
// time, and each keeps its own key, nonce and position in JS.
import { Socket } from 'node:net'
import { XSalsa20Stream } from './xsalsa20.js'
import type { XSalsa20Implementation } from './xsalsa20.js'
import { AbstractMultiaddrConnection, byteStream } from '@libp2p/utils'
import type { AbortOptions, ConnectionProtector, MessageStream, MultiaddrConnection } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

export { XSalsa20Stream }
export const PSK_BYTES = 32
const NONCE_BYTES = 24
const HANDSHAKE_TIMEOUT = 10_000

/**
 * Bytes of the buffer socket reads are decrypted into, side by side. Node reads a socket 64 KiB
 * at a time and noise frames its messages at 65,537 bytes on the wire, so handed on read by read
 * nearly every message straddled two reads, and noise joined each into a new buffer before it
 * decrypted it (a copy and an allocation of every byte received). Decrypted side by side, the
 * reads of one turn of the event loop reach noise as one piece: only a message across two turns
 * (or two of these buffers) is joined. Larger would join less but keeps more alive: a small
 * message still in use (a pubsub message in its cache) holds its whole buffer.
 */
const READ_BUFFER_BYTES = 256 * 1024

/**
 * Outgoing bytes are encrypted into a buffer the connection keeps and reuses (SendBuffer) when
 * they are at least SEND_BUFFER_MIN_BYTES (bulk data: noise's messages are up to 64 KiB) and at
 * most SEND_BUFFER_MAX_BYTES (memory held per connection; the bulk sends of adds and ecget
 * measured at most 1 MiB and its framing each). It is dropped after SEND_BUFFER_IDLE_MS without
 * use, so a resting daemon holds none.
 */
const SEND_BUFFER_MIN_BYTES = 64 * 1024
const SEND_BUFFER_MAX_BYTES = 2 * 1024 * 1024
const SEND_BUFFER_IDLE_MS = 5_000

/** How often a send reused the connection's buffer, and how often it had to allocate one (tests, benches). */
export const pnetSendStats = { reused: 0, allocated: 0 }

/**
 * The buffer a connection encrypts its outgoing bytes into, reused once the socket has written
 * everything handed to it before (its bytes are then in the kernel). The layers above call
 * sendData only once the socket has drained, so the kept buffer is free whenever it is asked
 * for; the check makes that a rule here rather than a property of the stack.
 *
 * Why: a fresh buffer per send was an allocation of every byte sent, and V8 collects its young
 * generation every few tens of MiB of new buffers (external memory pressure): on the API peer
 * of an erasure add, 145 such collections per GiB with a fresh buffer each send, 100 with this
 * one reused. bench/transport, 4 interleaved runs each: the sending daemon's GC threads 1.09
 * against 1.34 ms of CPU per MiB (lower in every pair), all its threads 6.5 against 7.1.
 */
class SendBuffer {
  private buffer?: Buffer
  private used = false
  private timer?: NodeJS.Timeout

  /**
   * A buffer of `bytes` to encrypt into and hand to the socket: the kept one when it is large
   * enough and `flushed` (nothing written from it is still waiting), else a new one, kept for
   * next time when it is of a size worth keeping.
   */
  take (bytes: number, flushed: () => boolean): Buffer {
    const kept = this.buffer
    if (kept != null && kept.byteLength >= bytes && bytes >= SEND_BUFFER_MIN_BYTES && flushed()) {
      this.used = true
      pnetSendStats.reused++
      return kept.subarray(0, bytes)
    }
    const fresh = Buffer.allocUnsafe(bytes)
    pnetSendStats.allocated++
    if (bytes >= SEND_BUFFER_MIN_BYTES && bytes <= SEND_BUFFER_MAX_BYTES && (kept == null || kept.byteLength < bytes)) this.keep(fresh)
    return fresh
  }

  drop (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.buffer = undefined
  }

  private keep (buffer: Buffer): void {
    this.buffer = buffer
    this.used = true
    if (this.timer != null) return
    // one timer while a buffer is kept, not one per send
    const check = (): void => {
      if (this.used) {
        this.used = false
        this.timer = setTimeout(check, SEND_BUFFER_IDLE_MS).unref()
      } else {
        this.drop()
      }
    }
    this.timer = setTimeout(check, SEND_BUFFER_IDLE_MS).unref()
  }
}

/** The raw connection's socket, where it is a TCP one (@libp2p/tcp's connection keeps it). */
function socketOf (raw: MultiaddrConnection): Socket | undefined {
  const socket = (raw as { socket?: unknown }).socket
  return socket instanceof Socket ? socket : undefined
}

/** The encrypted connection over the raw one. */
class PrivateConnection extends AbstractMultiaddrConnection {
  private readonly raw: MultiaddrConnection
  private readonly inbound: XSalsa20Stream
  private readonly outbound: XSalsa20Stream
  /** where socket reads are decrypted: [handedOn, used) is decrypted and not handed on yet */
  private decrypted = new Uint8Array(0)
  private used = 0
  private handedOn = 0
  private handOnQueued = false
  private readonly handOnBound = (): void => { this.handOn() }
  private readonly sendBuffer = new SendBuffer()
  private readonly socket?: Socket
  /** whether every byte sent before has left: nothing queued here nor in the socket */
  private readonly flushed = (): boolean => this.socket != null && this.socket.writableLength === 0 && this.raw.writeBufferLength === 0

  constructor (raw: MultiaddrConnection, psk: Uint8Array, localNonce: Uint8Array, remoteNonce: Uint8Array, cipher?: XSalsa20Implementation) {
    super({ remoteAddr: raw.remoteAddr, direction: raw.direction, log: raw.log.newScope('pnet') })
    this.raw = raw
    this.socket = socketOf(raw)
    this.inbound = new XSalsa20Stream(psk, remoteNonce, cipher)
    this.outbound = new XSalsa20Stream(psk, localNonce, cipher)
    raw.addEventListener('message', (evt: any) => {
      const data: Uint8Array | Uint8ArrayList = evt.data
      if (data instanceof Uint8Array) this.decrypt(data)
      else for (const buf of data) this.decrypt(buf)
    })
    raw.addEventListener('drain', () => { this.onMuxerDrain() })
    raw.addEventListener('close', (evt: any) => {
      this.sendBuffer.drop()
      // what was read before the close goes first
      this.handOn()
      if (evt.error == null) this.onTransportClosed()
      else if (evt.local === true) this.abort(evt.error)
      else this.onRemoteReset()
    })
  }

  /** Decrypts a socket read next to the ones before it; they are handed on once this turn of the event loop has read all it will. */
  private decrypt (data: Uint8Array): void {
    if (data.byteLength === 0) return
    if (this.decrypted.byteLength - this.used < data.byteLength) {
      this.handOn()
      this.decrypted = Buffer.allocUnsafe(Math.max(READ_BUFFER_BYTES, data.byteLength))
      this.used = this.handedOn = 0
    }
    this.inbound.xorTo(data, this.decrypted.subarray(this.used, this.used + data.byteLength))
    this.used += data.byteLength
    if (!this.handOnQueued) {
      this.handOnQueued = true
      setImmediate(this.handOnBound)
    }
  }

  private handOn (): void {
    this.handOnQueued = false
    if (this.used === this.handedOn) return
    const bytes = this.decrypted.subarray(this.handedOn, this.used)
    this.handedOn = this.used
    this.onData(bytes)
  }

  async sendClose (options?: AbortOptions): Promise<void> {
    await this.raw.close(options)
  }

  sendData (data: Uint8ArrayList): { sentBytes: number, canSendMore: boolean } {
    // one buffer, one socket write: the list holds each noise message as a 2-byte length and
    // its ciphertext, and a write per piece cost a system call per few bytes
    if (data.byteLength === 0) return { sentBytes: 0, canSendMore: true }
    // the pieces are the sender's (noise's ciphertext, but not ours to change): each is
    // encrypted into its place in a buffer of our own (not zeroed first: every byte is written)
    const whole = this.sendBuffer.take(data.byteLength, this.flushed)
    let at = 0
    for (const buf of data) {
      this.outbound.xorTo(buf, whole.subarray(at, at + buf.byteLength))
      at += buf.byteLength
    }
    return { sentBytes: data.byteLength, canSendMore: this.raw.send(whole) }
  }

  sendReset (err: Error): void {
    this.raw.abort(err)
  }

  sendPause (): void {
    this.raw.pause()
  }

  sendResume (): void {
    this.raw.resume()
  }
}

class PrivateNetworkProtector implements ConnectionProtector {
  private readonly psk: Uint8Array
  private readonly cipher?: XSalsa20Implementation
  readonly [Symbol.toStringTag] = 'ipfs-cluster-ec/pnet'

  constructor (psk: Uint8Array, cipher?: XSalsa20Implementation) {
    this.psk = psk
    this.cipher = cipher
  }

  async protect (connection: MessageStream, options: AbortOptions = {}): Promise<MessageStream> {
    const signal = options.signal ?? AbortSignal.timeout(HANDSHAKE_TIMEOUT)
    const localNonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES))
    const bytes = byteStream(connection)
    const [remote] = await Promise.all([
      bytes.read({ bytes: NONCE_BYTES, signal }),
      bytes.write(localNonce, { signal })
    ])
    // unwrap() hands back bytes read past the nonce, which are already encrypted
    return new PrivateConnection(bytes.unwrap() as MultiaddrConnection, this.psk, localNonce, remote.subarray(), this.cipher)
  }
}

/**
 * The libp2p `connectionProtector` for a cluster secret (32 bytes). `cipher` picks the XSalsa20
 * implementation (tests; every one codes the same bytes), else the process default.
 */
export function privateNetwork (psk: Uint8Array, cipher?: XSalsa20Implementation): () => ConnectionProtector {
  if (psk.byteLength !== PSK_BYTES) throw new Error(`the cluster secret must be ${PSK_BYTES} bytes (64 hex characters)`)
  return () => new PrivateNetworkProtector(psk, cipher)
}
