// repo/stat of the whole cluster: every peer's IPFS repo/stat summed (upstream calls
// IPFSConnector.RepoStat on each consensus peer; peers that refuse or fail are skipped).
import type { Logger } from 'pino'
import type { IPFSRepoStat } from '../api/types.js'
import { errorMessage } from '../api/errors.js'
import type { IpfsConnector } from '../ipfs/connector.js'
import type { RpcClient } from '../rpc/client.js'
import type { RpcServer } from '../rpc/server.js'

export const REPO_STAT_SERVICE = 'IPFSConnector'
export const REPO_STAT_METHOD = 'RepoStat'

/** Registers IPFSConnector.RepoStat (trusted peers) so that other peers' proxies can sum it. */
export function registerRepoStatRpc (server: RpcServer, ipfs: IpfsConnector): void {
  server.register(REPO_STAT_SERVICE, REPO_STAT_METHOD, {
    policy: 'trusted',
    kind: 'unary',
    handler: async (_arg, ctx) => await ipfs.repoStat({ signal: ctx.signal })
  })
}

export interface ClusterRepoStatInit {
  selfId: string
  /** the consensus peerset, self included */
  peers: () => string[]
  ipfs: IpfsConnector
  rpc: RpcClient
  logger: Logger
}

export function clusterRepoStat (init: ClusterRepoStatInit): (signal: AbortSignal) => Promise<IPFSRepoStat> {
  return async signal => {
    const stats = await Promise.all(init.peers().map(async peer => {
      try {
        if (peer === init.selfId) return await init.ipfs.repoStat({ signal })
        return await init.rpc.call<IPFSRepoStat>(peer, REPO_STAT_SERVICE, REPO_STAT_METHOD, null, { signal })
      } catch (err) {
        init.logger.error({ peer, err: errorMessage(err) }, 'repo/stat errored')
        return undefined
      }
    }))
    const total: IPFSRepoStat = { RepoSize: 0, StorageMax: 0 }
    for (const s of stats) {
      if (s == null) continue
      total.RepoSize += Number(s.RepoSize)
      total.StorageMax += Number(s.StorageMax)
    }
    return total
  }
}
