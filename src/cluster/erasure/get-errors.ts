// Typed errors of ecget, ecrecovery and repair (NotErasureFileError is layout.ts's). They extend ClusterError so the REST layer
// answers with their status and message before any body byte is sent.
import { ClusterError } from '../../api/errors.js'
import type { LostShardInfo } from '../../api/types.js'

/** Cluster state says some stripes lost more shards than they have parity: nothing is streamed. */
export class UnrecoverableFileError extends ClusterError {
  readonly stripes: number[]
  constructor (cid: string, stripes: number[], lost: LostShardInfo[], parity: number, treeLost = false) {
    const parts: string[] = []
    if (stripes.length > 0) {
      const detail = stripes.map(s => {
        const names = lost.filter(l => l.stripe === s).map(l => `${l.kind} ${l.index} on ${l.holder === '' ? 'no peer' : l.holder} (${l.reason})`)
        return `stripe ${s}: ${names.length} lost [${names.join(', ')}]`
      }).join('; ')
      parts.push(`unrecoverable stripes ${stripes.join(', ')} (each survives at most ${parity} lost shards): ${detail}`)
    }
    if (treeLost) parts.push('every holder of the unixfs tree (directory and file nodes) is lost')
    super(`${cid} cannot be read: ${parts.join('; ')}`, 500)
    this.name = 'UnrecoverableFileError'
    this.stripes = stripes
  }
}
