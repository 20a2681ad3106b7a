// What the REST API route modules share: the common-API profile and the cluster they call.
import type { ClusterAPI } from '../../cluster/api.js'
import type { ApiProfile } from '../common/profile.js'

export interface RouteContext {
  profile: ApiProfile
  cluster: ClusterAPI
}

/** Upstream reads `local` with a plain string comparison: only "true" means true. */
export function isLocal (query: unknown): boolean {
  return (query as Record<string, string | undefined>).local === 'true'
}

export const localQuerySchema = {
  type: 'object',
  properties: { local: { type: 'string' } }
} as const

export const hashParamsSchema = {
  type: 'object',
  properties: { hash: { type: 'string' } },
  required: ['hash']
} as const
