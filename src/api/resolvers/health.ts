// Query.health: service status, version, uptime and per-store checks.
import { version } from '../../project.ts'
import { checkHealth } from '../health.ts'
import type { QueryResolvers } from '../generated/resolvers-types.ts'

export const health: QueryResolvers['health'] = async (_parent, _args, { runtime }) => ({
  ...(await checkHealth(runtime)),
  version,
  uptimeSeconds: Math.round((Date.now() - runtime.startedAt) / 10) / 100,
})
