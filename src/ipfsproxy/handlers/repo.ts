// repo/stat and repo/gc over the whole cluster: the proxy's caller sees the cluster as one big
// IPFS node (upstream's hijacked repo endpoints).
import type { ProxyCall } from '../context.js'
import { sendJson, streamJson } from '../respond.js'

export async function repoStat (call: ProxyCall): Promise<void> {
  const s = await call.deps.repoStat(call.signal)
  // kubo clients (kubo-rpc-client) read NumObjects too; the cluster does not count objects
  sendJson(call.res, { RepoSize: s.RepoSize, StorageMax: s.StorageMax, NumObjects: 0, RepoPath: '', Version: '' })
}

export async function repoGC (call: ProxyCall): Promise<void> {
  const streamErrors = call.query.get('stream-errors') === 'true'
  const gc = await call.deps.cluster.repoGC(false, { signal: call.signal })
  const errors: string[] = []
  await streamJson(call.res, (async function * () {
    for (const entry of Object.values(gc.peer_map)) {
      if (entry.error != null && entry.error !== '') errors.push(entry.error)
      for (const k of entry.keys ?? []) {
        const line: { Key?: { '/': string }, Error?: string } = {}
        if (k.key !== '') line.Key = { '/': k.key }
        if (k.error != null && k.error !== '') {
          if (streamErrors) line.Error = k.error
          else errors.push(k.error)
        }
        yield line
      }
    }
  })(), errors)
}
