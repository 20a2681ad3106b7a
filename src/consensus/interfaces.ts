// The boundaries of the consensus component. The network (gossipsub topic, peer RPC) lives
// outside this folder; the daemon implements Broadcaster and DeltaFetcher over it, tests
// implement them in-process.
import type { Pin } from '../api/types.js'

export interface BroadcastMessage {
  /** peer ID of the sender (the gossipsub message's signer) */
  from: string
  data: Uint8Array
}

/** Publishes CRDT head announcements on the cluster's topic (see pubsubTopic). */
export interface Broadcaster {
  publish (data: Uint8Array): Promise<void>
  /** Calls the handler for every message of the topic; returns an unsubscribe function. */
  subscribe (handler: (msg: BroadcastMessage) => void): () => void
}

/** Gets a delta block from a peer that announced a head (served there by getDelta). */
export interface DeltaFetcher {
  fetch (cid: string, from: string, opts: { signal?: AbortSignal }): Promise<Uint8Array>
  /**
   * The blocks the peer has of the branches under `roots`, breadth-first, at most `max` (served
   * there by deltaBranch): one request for many deltas. Optional; blocks are checked by the caller.
   */
  fetchBranch? (roots: string[], from: string, opts: { signal?: AbortSignal, max: number }): AsyncIterable<{ cid: string, bytes: Uint8Array }>
}

/** Called when the visible pinset changes; the pin tracker hangs off these. */
export interface ConsensusHooks {
  onPut (pin: Pin): void | Promise<void>
  onDelete (cid: string): void | Promise<void>
}

/** The subset of a pino logger the component uses. */
export interface ConsensusLogger {
  debug (msg: string): void
  info (msg: string): void
  warn (msg: string): void
  error (msg: string): void
}

export interface AbortOptions {
  signal?: AbortSignal
}

/**
 * Narrows a walk of the pinset: `expiring`, pins with an expire_at; `erasure`, the pins of
 * erasure-coded files. The consensus looks at that one field of each stored pin and decodes
 * only those that match.
 */
export interface PinListFilter {
  only?: 'expiring' | 'erasure'
}
