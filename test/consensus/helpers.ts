// Test scaffolding: real level datastores in temp folders and an in-process network that
// stands where gossipsub (Broadcaster) and peer RPC (DeltaFetcher) stand in the daemon.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LevelStore } from '../../src/datastore/level-store.js'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { crdtConfigSection } from '../../src/consensus/config.js'
import type { CrdtConfig } from '../../src/consensus/config.js'
import { CrdtConsensus } from '../../src/consensus/consensus.js'
import type { BroadcastMessage, Broadcaster, ConsensusLogger, DeltaFetcher } from '../../src/consensus/interfaces.js'
import { defaultPinOptions, newPin } from '../../src/api/pin.js'
import type { Pin } from '../../src/api/types.js'

export const quietLogger: ConsensusLogger = {
  debug: () => {},
  info: () => {},
  warn: (msg) => { if (process.env.DEBUG_CRDT != null) console.error(msg) },
  error: (msg) => { if (process.env.DEBUG_CRDT != null) console.error(msg) }
}

export async function tempDir (): Promise<{ path: string, remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'crdt-test-'))
  return { path, remove: async () => { await rm(path, { recursive: true, force: true }) } }
}

export async function openStore (path: string): Promise<LevelStore> {
  const ds = new LevelStore(path)
  await ds.open()
  return ds
}

export function testConfig (over: Partial<CrdtConfig> = {}): CrdtConfig {
  return { ...crdtConfigSection.defaults(), rebroadcastInterval: 60_000, repairInterval: 0, ...over }
}

/** CIDs for tests: valid CIDv1 raw strings derived from a number. */
export function cidN (n: number): string {
  const digest = new Uint8Array(32)
  new DataView(digest.buffer).setUint32(0, n)
  return rawCid(digest)
}

function rawCid (digest: Uint8Array): string {
  return CID.createV1(0x55, Digest.create(0x12, digest)).toString()
}

export function pinOf (cid: string, name = '', over: Partial<Pin> = {}): Pin {
  const p = newPin(cid, { ...defaultPinOptions(), name, replication_factor_min: -1, replication_factor_max: -1 })
  return { ...p, timestamp: '2024-01-01T00:00:00Z', ...over }
}

/**
 * The in-process network. Peers can be taken offline (they neither send nor receive nor
 * serve deltas) or split into partitions (only peers of the same group talk).
 */
export class TestNetwork {
  private readonly handlers = new Map<string, (msg: BroadcastMessage) => void>()
  private readonly servers = new Map<string, (cid: string) => Promise<Uint8Array | undefined>>()
  private readonly branchServers = new Map<string, (roots: string[], max: number) => AsyncIterable<{ cid: string, bytes: Uint8Array }>>()
  /** peers fetch one delta per request, as from a peer without branch requests */
  noBranch = false
  /** branch requests made, by fetching peer */
  readonly branchFetches = new Map<string, number>()
  private readonly group = new Map<string, number>()
  readonly offline = new Set<string>()
  /** peers whose delta server fails (they still broadcast) */
  readonly noServe = new Set<string>()
  /** delta fetches made, by fetching peer */
  readonly fetches = new Map<string, number>()

  private reachable (a: string, b: string): boolean {
    return !this.offline.has(a) && !this.offline.has(b) && (this.group.get(a) ?? 0) === (this.group.get(b) ?? 0)
  }

  partition (...groups: string[][]): void {
    groups.forEach((g, i) => { for (const p of g) this.group.set(p, i + 1) })
  }

  heal (): void {
    this.group.clear()
  }

  serve (peer: string, getDelta: (cid: string) => Promise<Uint8Array | undefined>, branch?: (roots: string[], max: number) => AsyncIterable<{ cid: string, bytes: Uint8Array }>): void {
    this.servers.set(peer, getDelta)
    if (branch !== undefined) this.branchServers.set(peer, branch)
  }

  broadcaster (self: string): Broadcaster {
    return {
      publish: async (data) => {
        for (const [peer, handler] of this.handlers) {
          if (peer === self || !this.reachable(self, peer)) continue
          // gossipsub delivers asynchronously
          setImmediate(() => { handler({ from: self, data }) })
        }
      },
      subscribe: (handler) => {
        this.handlers.set(self, handler)
        return () => { if (this.handlers.get(self) === handler) this.handlers.delete(self) }
      }
    }
  }

  fetcher (self: string): DeltaFetcher {
    return {
      fetch: async (cid, from, opts) => {
        opts.signal?.throwIfAborted()
        this.fetches.set(self, (this.fetches.get(self) ?? 0) + 1)
        const serve = this.servers.get(from)
        if (serve === undefined || this.noServe.has(from) || !this.reachable(self, from)) throw new Error(`peer ${from} unreachable`)
        const block = await serve(cid)
        if (block === undefined) throw new Error(`peer ${from} has no block ${cid}`)
        return block
      },
      fetchBranch: (roots, from, opts) => {
        const net = this
        return (async function * () {
          opts.signal?.throwIfAborted()
          const serve = net.branchServers.get(from)
          if (net.noBranch || serve === undefined) throw new Error('rpc: can\'t find method Consensus.GetDeltaBranch')
          if (net.noServe.has(from) || !net.reachable(self, from)) throw new Error(`peer ${from} unreachable`)
          net.branchFetches.set(self, (net.branchFetches.get(self) ?? 0) + 1)
          for await (const b of serve(roots, opts.max)) {
            opts.signal?.throwIfAborted()
            yield b
          }
        })()
      }
    }
  }
}

export interface TestPeer {
  id: string
  consensus: CrdtConsensus
  store: LevelStore
  dir: string
  puts: Pin[]
  deletes: string[]
}

export async function startPeer (net: TestNetwork, id: string, dir: string, config: CrdtConfig = testConfig(), fetchTimeout = 2000, onPut?: (pin: Pin) => Promise<void>): Promise<TestPeer> {
  const store = await openStore(dir)
  const peer: TestPeer = { id, store, dir, puts: [], deletes: [], consensus: undefined as unknown as CrdtConsensus }
  peer.consensus = new CrdtConsensus({
    config,
    datastore: store,
    selfId: id,
    broadcaster: net.broadcaster(id),
    fetcher: net.fetcher(id),
    hooks: {
      onPut: async (pin) => {
        peer.puts.push(pin)
        await onPut?.(pin)
      },
      onDelete: (cid) => { peer.deletes.push(cid) }
    },
    logger: quietLogger,
    fetchTimeout
  })
  net.serve(id, async cid => await peer.consensus.getDelta(cid), (roots, max) => peer.consensus.deltaBranch(roots, max))
  await peer.consensus.start()
  return peer
}

export async function stopPeer (peer: TestPeer): Promise<void> {
  await peer.consensus.stop()
  await peer.store.close()
}

export async function pinset (peer: TestPeer): Promise<Record<string, Pin>> {
  const out: Record<string, Pin> = {}
  for await (const p of peer.consensus.list()) out[p.cid] = p
  return out
}

export async function waitFor (cond: () => Promise<boolean> | boolean, timeout = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeout
  while (Date.now() < end) {
    if (await cond()) return
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Waits until every peer has the same pinset and the same heads. */
export async function waitConverged (peers: TestPeer[], timeout = 5000): Promise<Record<string, Pin>> {
  let last = ''
  await waitFor(async () => {
    const sets = await Promise.all(peers.map(async p => JSON.stringify([await pinset(p), p.consensus.info().heads])))
    last = sets.join('\n')
    return sets.every(s => s === sets[0])
  }, timeout, 'convergence').catch(err => { throw new Error(`${String(err)}\n${last}`) })
  return await pinset(peers[0])
}
