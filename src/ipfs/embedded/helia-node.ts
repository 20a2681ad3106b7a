// Helia's node class, loaded without the `helia` entry point. That module's index also imports
// createHelia's defaults: @helia/libp2p (a whole default libp2p stack: TLS, WebRTC, AutoTLS and
// its ACME client, DHT …) and @helia/http, none of which the embedded node runs (it is handed
// the cluster's libp2p host and bitswap is its only block broker). Their code and sources were
// ~23 MB of each daemon's ~50 MB V8 heap (measured: 34.8 MB after importing `helia` with libp2p
// and bitswap, 12.1 MB with this), all of it marked again at every full collection; a transfer
// of 60 MB/s starts one every ~100 ms on the sending peer. The package's exports map lists only
// its index, so the class is imported from beside the resolved index (same package, same
// version as package-lock.json pins; an upgrade that moves it fails every daemon's start, and
// test/ipfs/helia-node.test.ts checks that the node is built so).
import type { Helia } from 'helia'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import type { BlockCodec } from 'multiformats/codecs/interface'
import type { MultihashHasher } from 'multiformats/hashes/interface'

export interface HeliaNodeInit {
  blockstore: Blockstore
  datastore: Datastore
  codecs: Array<BlockCodec<any, any>>
  hashers: MultihashHasher[]
}

/** Helia's node class, as createHeliaLight constructs it. */
type HeliaClass = new (init: HeliaNodeInit & { name: string, version: string, routers: unknown[] }) => Helia

let heliaClass: Promise<{ Helia: HeliaClass, name: string, version: string }> | undefined

/** The URL of one of Helia's modules, beside the entry point Node resolves for `helia`. */
export function heliaModuleUrl (file: string): string {
  return new URL(file, import.meta.resolve('helia')).href
}

async function loadHeliaClass (): Promise<{ Helia: HeliaClass, name: string, version: string }> {
  const [{ Helia }, { name, version }] = await Promise.all([
    import(heliaModuleUrl('./helia.js')) as Promise<{ Helia?: HeliaClass }>,
    import(heliaModuleUrl('./version.js')) as Promise<{ name: string, version: string }>
  ])
  if (typeof Helia !== 'function') throw new Error(`${heliaModuleUrl('./helia.js')} no longer exports Helia's node class`)
  return { Helia, name, version }
}

/** A Helia node with no routers and no block brokers yet: the node createHeliaLight makes. */
export async function createHeliaNode (init: HeliaNodeInit): Promise<Helia> {
  heliaClass ??= loadHeliaClass()
  const { Helia, name, version } = await heliaClass
  return new Helia({ name, version, routers: [], ...init })
}

/** What a block broker (bitswap) is told when a block is stored: peers that want it are sent it. */
export type AnnounceBlock = (cid: CID, options?: AbortOptions) => Promise<void>

/**
 * The announcement Helia's own block put makes to every block broker of a started node (its
 * `blockBrokers`, a field of the node class, not of the Helia interface: a Helia upgrade that
 * drops it fails every daemon's start here, and test/ipfs/helia-node.test.ts by name).
 */
export function blockAnnouncer (helia: Helia): AnnounceBlock {
  const brokers = (helia as unknown as { blockBrokers?: unknown }).blockBrokers
  if (!Array.isArray(brokers)) throw new Error(`${heliaModuleUrl('./helia.js')}: the node no longer lists its block brokers`)
  const announcing = brokers as Array<{ announce?: AnnounceBlock }>
  return async (cid, options) => {
    for (const broker of announcing) await broker.announce?.(cid, options)
  }
}
