// Reads of stored rule sets and their immutable versions.
import type { MetaClient } from './client.ts'

export async function listRuleSets(prisma: MetaClient) {
  return prisma.ruleSet.findMany({
    orderBy: { name: 'asc' },
    include: { versions: { orderBy: { version: 'desc' } } },
  })
}

export type StoredRuleSet = Awaited<ReturnType<typeof listRuleSets>>[number]
