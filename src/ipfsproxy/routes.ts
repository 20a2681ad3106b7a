// Which kubo commands the proxy answers itself. "cluster" commands act on the cluster (upstream's
// hijacked endpoints, GET/POST/PUT as upstream accepts); "node" commands are the embedded IPFS
// node's, served only when there is no kubo behind the proxy (POST only, as kubo).
import type { ProxyHandler } from './context.js'
import { pinAdd, pinLs, pinRm, pinUpdate } from './handlers/pins.js'
import { add } from './handlers/add.js'
import { repoGC, repoStat } from './handlers/repo.js'
import { blockGet, blockPut, blockRm, blockStat } from './handlers/blocks.js'
import { id, nameResolve, resolve, swarmConnect, swarmPeers, version } from './handlers/node.js'
import { cat, dagPut, refs } from './handlers/files.js'
import { filesStat, get, ls } from './handlers/unixfs.js'
import { dagExport, dagGet, dagImport } from './handlers/dag.js'
import { pinEachFromKubo } from './handlers/pin-through.js'

export const CLUSTER_COMMANDS: Record<string, ProxyHandler> = {
  'pin/add': pinAdd,
  'pin/rm': pinRm,
  'pin/ls': pinLs,
  'pin/update': pinUpdate,
  add,
  'repo/stat': repoStat,
  'repo/gc': repoGC,
  'block/put': async call => {
    // with kubo, only pin=true is the cluster's; without, the embedded node stores the blocks
    if (call.deps.node != null) await pinEachFromKubo(call, l => (l as { Key?: string }).Key, false)
    else await blockPut(call)
  },
  'dag/put': async call => {
    if (call.deps.node != null) await pinEachFromKubo(call, l => (l as { Cid?: { '/': string } }).Cid?.['/'], true)
    else await dagPut(call)
  }
}

/** commands with the `/api/v0/<cmd>/<arg>` form upstream also accepts */
export const SLASH_ARG_COMMANDS = ['pin/add', 'pin/rm', 'pin/ls']

export const NODE_COMMANDS: Record<string, ProxyHandler> = {
  id,
  version,
  'swarm/peers': swarmPeers,
  'swarm/connect': swarmConnect,
  resolve,
  'name/resolve': nameResolve,
  'block/get': blockGet,
  'block/stat': blockStat,
  'block/rm': blockRm,
  cat,
  get,
  ls,
  refs,
  'dag/get': dagGet,
  'dag/export': dagExport,
  'dag/import': dagImport,
  'files/stat': filesStat
}

export const CLUSTER_METHODS = ['GET', 'POST', 'PUT']
