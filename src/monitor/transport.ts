// How metrics travel between peers. The monitor only needs "send bytes to every peer" and
// "tell me what others sent"; the daemon implements it on the shared gossipsub, so the monitor
// can be tested, and run on a lone peer, without a libp2p node.

/** Gossipsub topic of upstream's pubsub monitor. */
export const METRICS_TOPIC = 'monitor.metrics'

export interface MetricsTransport {
  /** Broadcasts one encoded metric to the cluster (must not throw when no peer listens yet). */
  publish (data: Uint8Array): Promise<void>
  /**
   * Delivers every message received on the topic. `from` is the (signature-checked) sender's
   * peer ID, or '' when the transport cannot tell. Returns the unsubscribe function.
   */
  subscribe (handler: (data: Uint8Array, from: string) => void): () => void
}
