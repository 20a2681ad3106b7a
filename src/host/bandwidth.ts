// Bandwidth per protocol for GET /health/bandwidth (upstream's BandwidthByProtocol), as a
// libp2p metrics component: libp2p hands it every negotiated protocol stream. Only traffic is
// measured; the libp2p-internal gauges and counters it asks for are accepted and not kept.
import type { Bandwidth, BandwidthByProtocol } from '../api/types.js'

const SAMPLE_MS = 1000
/** weight of the newest sample in the moving rate (about a 10 s window) */
const ALPHA = 0.1

interface Counters {
  in: number
  out: number
  lastIn: number
  lastOut: number
  rateIn: number
  rateOut: number
}

const inert = {
  update () {},
  increment () {},
  decrement () {},
  reset () {},
  timer () { return () => {} }
}

function byteLength (data: { byteLength: number } | undefined): number {
  return data?.byteLength ?? 0
}

export class BandwidthMeter {
  private readonly protocols = new Map<string, Counters>()
  private timer?: NodeJS.Timeout

  private counters (protocol: string): Counters {
    let c = this.protocols.get(protocol)
    if (c == null) {
      c = { in: 0, out: 0, lastIn: 0, lastOut: 0, rateIn: 0, rateOut: 0 }
      this.protocols.set(protocol, c)
    }
    return c
  }

  /** The libp2p `metrics` option. */
  component (): (components: unknown) => any {
    return () => ({
      trackMultiaddrConnection: () => {},
      trackProtocolStream: (stream: any) => { this.track(stream) },
      registerMetric: () => inert,
      registerMetricGroup: () => inert,
      registerCounter: () => inert,
      registerCounterGroup: () => inert,
      registerHistogram: () => ({ ...inert, observe () {} }),
      registerHistogramGroup: () => ({ ...inert, observe () {} }),
      registerSummary: () => ({ ...inert, observe () {} }),
      registerSummaryGroup: () => ({ ...inert, observe () {} }),
      traceFunction: (_name: string, fn: unknown) => fn,
      createTrace: () => undefined,
      start: () => { this.start() },
      stop: () => { this.stop() }
    })
  }

  private track (stream: any): void {
    const protocol: string | undefined = stream.protocol
    if (protocol == null) return
    const c = this.counters(protocol)
    // Count incoming bytes where the muxer hands them over, never with a 'message' listener: a
    // stream with no listener keeps its data until the protocol's reader attaches, and any
    // other listener would take the bytes that arrive in between, so the reader would miss them
    // (identify, gossipsub or RPC replies lost, peers that never mesh).
    if (typeof stream.onData !== 'function') return
    const onData = stream.onData.bind(stream)
    stream.onData = (data: { byteLength: number }) => {
      c.in += byteLength(data)
      onData(data)
    }
    const send = stream.send.bind(stream)
    stream.send = (data: { byteLength: number }) => {
      c.out += byteLength(data)
      return send(data)
    }
  }

  start (): void {
    if (this.timer != null) return
    this.timer = setInterval(() => { this.sample() }, SAMPLE_MS)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private sample (): void {
    for (const c of this.protocols.values()) {
      const inRate = (c.in - c.lastIn) * 1000 / SAMPLE_MS
      const outRate = (c.out - c.lastOut) * 1000 / SAMPLE_MS
      c.rateIn = ALPHA * inRate + (1 - ALPHA) * c.rateIn
      c.rateOut = ALPHA * outRate + (1 - ALPHA) * c.rateOut
      c.lastIn = c.in
      c.lastOut = c.out
    }
  }

  byProtocol (): BandwidthByProtocol {
    const out: BandwidthByProtocol = {}
    for (const [protocol, c] of [...this.protocols.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const bw: Bandwidth = { total_in: c.in, total_out: c.out, rate_in: c.rateIn, rate_out: c.rateOut }
      out[protocol] = bw
    }
    return out
  }
}
