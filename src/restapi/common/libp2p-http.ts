// The libp2p-HTTP endpoint (upstream: go-libp2p-http on a dedicated host built from
// libp2p_listen_multiaddress + id + private_key): HTTP/1.1 carried over libp2p streams of the
// protocol /libp2p-http. Each stream is handed to a Node HTTP server as if it were a socket,
// so the same request handler (auth, CORS, routes…) serves it. Security is noise; upstream also
// offers libp2p TLS, which this port does not ship.
import { Duplex } from 'node:stream'
import { createServer } from 'node:http'
import type { RequestListener, Server } from 'node:http'
import { createLibp2p } from 'libp2p'
import type { Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { noiseCrypto } from '../../host/noise-crypto.js'
import { nextDrain } from '../../host/stream-drain.js'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import type { Logger } from 'pino'
import type { HttpApiConfig } from './config.js'

export const LIBP2P_HTTP_PROTOCOL = '/libp2p-http'

/** A libp2p stream seen as a socket by node:http. */
export class StreamSocket extends Duplex {
  private readonly stream: Stream
  readonly remoteAddress: string

  constructor (stream: Stream, remote: string) {
    super({ allowHalfOpen: true })
    this.stream = stream
    this.remoteAddress = remote
    void this.pump()
  }

  private async pump (): Promise<void> {
    try {
      for await (const chunk of this.stream) {
        if (!this.push(chunk.subarray())) {
          // node's read side is full: stop the remote until _read asks for more
          this.stream.pause()
        }
      }
      this.push(null)
    } catch (err: any) {
      this.destroy(err)
    }
  }

  override _read (): void {
    this.stream.resume()
  }

  override _write (chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    try {
      if (this.stream.send(chunk)) cb()
      else nextDrain(this.stream, () => new Error('the libp2p stream closed')).then(() => cb(), cb)
    } catch (err: any) {
      cb(err)
    }
  }

  override _final (cb: (err?: Error | null) => void): void {
    this.stream.close().then(() => cb(), cb)
  }

  override _destroy (err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.stream.status === 'open') this.stream.abort(err ?? new Error('socket destroyed'))
    cb(err)
  }

  // the net.Socket methods node:http calls
  setTimeout (): this { return this }
  setNoDelay (): this { return this }
  setKeepAlive (): this { return this }
}

export class Libp2pHttpEndpoint {
  private readonly node: Libp2p
  private readonly server: Server
  private readonly sockets = new Set<StreamSocket>()

  private constructor (node: Libp2p, server: Server) {
    this.node = node
    this.server = server
  }

  static async start (cfg: HttpApiConfig, handler: RequestListener, logger: Logger): Promise<Libp2pHttpEndpoint> {
    const privateKey = privateKeyFromProtobuf(Buffer.from(cfg.private_key, 'base64'))
    const node = await createLibp2p({
      privateKey,
      addresses: { listen: cfg.libp2p_listen_multiaddress },
      transports: [tcp()],
      connectionEncrypters: [noise({ crypto: noiseCrypto })],
      streamMuxers: [yamux()]
    })
    const server = createServer({ maxHeaderSize: cfg.max_header_bytes }, handler)
    const endpoint = new Libp2pHttpEndpoint(node, server)
    await node.handle(LIBP2P_HTTP_PROTOCOL, (stream, connection) => {
      const socket = new StreamSocket(stream, connection.remotePeer.toString())
      endpoint.sockets.add(socket)
      socket.once('close', () => endpoint.sockets.delete(socket))
      server.emit('connection', socket)
    })
    logger.info(`libp2p-http: ENABLED. Listening on: ${endpoint.addresses.join(' ')}`)
    return endpoint
  }

  /** Listen multiaddrs of the dedicated host, with /p2p/<id>. */
  get addresses (): string[] {
    return this.node.getMultiaddrs().map(a => a.toString())
  }

  async stop (): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await this.node.stop()
  }
}
