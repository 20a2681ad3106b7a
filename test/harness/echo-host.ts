// Two-host echo over real libp2p (TCP, noise, yamux) for the host tests: what one sends comes
// back, so a test compares the bytes after a round trip through every layer it configures.
import { createLibp2p } from 'libp2p'
import type { Libp2p, ConnectionProtector } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import type { ICryptoInterface } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import type { YamuxMuxerInit } from '@libp2p/yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { nextDrain } from '../../src/host/stream-drain.js'

const ECHO = '/test/echo/1.0.0'

/** A host on 127.0.0.1 that echoes every stream of the echo protocol. */
export async function echoHost (opts: { protector?: (components: any) => ConnectionProtector, crypto?: ICryptoInterface, yamux?: YamuxMuxerInit } = {}): Promise<Libp2p> {
  const node = await createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise({ crypto: opts.crypto })],
    streamMuxers: [yamux(opts.yamux)],
    ...(opts.protector != null ? { connectionProtector: opts.protector } : {})
  })
  await node.handle(ECHO, async (stream: any) => {
    for await (const chunk of stream) {
      if (!(stream.send(chunk) as boolean)) await nextDrain(stream, () => new Error('echo stream closed'))
    }
    await stream.close()
  })
  return node
}

/** Sends `bytes` through an echo stream, `write` bytes a write, and returns what came back. */
export async function echo (from: Libp2p, to: Libp2p, bytes: Uint8Array, write = 65536): Promise<Buffer> {
  const stream: any = await from.dialProtocol(to.getMultiaddrs()[0], ECHO, { signal: AbortSignal.timeout(10_000) })
  const back: Buffer[] = []
  const reading = (async () => { for await (const c of stream) back.push(Buffer.from(c.subarray())) })()
  for (let at = 0; at < bytes.length; at += write) {
    if (!(stream.send(bytes.subarray(at, at + write)) as boolean)) await nextDrain(stream, () => new Error('echo stream closed'))
  }
  await stream.close()
  await reading
  return Buffer.concat(back)
}
