// Stored rule sets and their immutable, content-hashed versions: reads, and appending a version.
import { ConflictError, NotFoundError, formatReceived } from '../../errors.ts'
import { readPrismaList, type PrismaListSpec } from '../query/prismaList.ts'
import type { ListPage, ListQuery } from '../query/listQuery.ts'
import type { MetaClient } from './client.ts'
import type { Prisma, RuleSetVersion } from './generated/client.ts'

export async function listRuleSets(prisma: MetaClient) {
  return prisma.ruleSet.findMany({
    orderBy: { name: 'asc' },
    include: { versions: { orderBy: { version: 'desc' } } },
  })
}

export type StoredRuleSet = Awaited<ReturnType<typeof listRuleSets>>[number]

export interface NewRuleSetVersion {
  name: string
  description?: string
  derivedFrom?: string | null
  /** Canonical JSON of the validated rule set. */
  body: string
  /** sha256 of `body`. */
  hash: string
  note?: string | null
}

/**
 * Appends a version to the rule set `name` (creating the rule set on first use). Content that equals the latest
 * version's (same hash) is not stored twice: that version is returned with `created: false`. Versions are never
 * updated (the database refuses UPDATE).
 */
export async function saveRuleSetVersion(prisma: MetaClient, input: NewRuleSetVersion) {
  return prisma.$transaction(async (tx) => {
    const existing = await tx.ruleSet.findUnique({
      where: { name: input.name },
      include: { versions: { orderBy: { version: 'desc' }, take: 1 } },
    })
    if (existing && input.derivedFrom && existing.derivedFrom && existing.derivedFrom !== input.derivedFrom) {
      throw new ConflictError(
        `rule set ${input.name} already exists, derived from ${existing.derivedFrom}; choose another name to derive from ${input.derivedFrom}`,
      )
    }
    const latest = existing?.versions[0]
    if (existing && latest && latest.hash === input.hash) return { ruleSet: existing, version: latest, created: false }
    const ruleSet =
      existing ??
      (await tx.ruleSet.create({
        data: { name: input.name, description: input.description ?? '', derivedFrom: input.derivedFrom ?? null },
        include: { versions: { take: 0 } },
      }))
    const version = await tx.ruleSetVersion.create({
      data: {
        ruleSetId: ruleSet.id,
        version: (latest?.version ?? 0) + 1,
        hash: input.hash,
        body: input.body,
        note: input.note ?? null,
      },
    })
    return { ruleSet, version, created: true }
  })
}

/**
 * A stored version by reference: a version id, or a rule set id or name (its latest version), optionally
 * "name#N" for version N.
 */
export async function findRuleSetVersion(prisma: MetaClient, ref: string) {
  const byVersionId = await prisma.ruleSetVersion.findUnique({ where: { id: ref }, include: { ruleSet: true } })
  if (byVersionId) return byVersionId
  const [key, versionText] = ref.split('#') as [string, string | undefined]
  const ruleSet = await prisma.ruleSet.findFirst({ where: { OR: [{ id: key }, { name: key }] } })
  if (!ruleSet) return null
  if (versionText !== undefined && !/^[1-9]\d{0,8}$/.test(versionText))
    throw new NotFoundError(
      `rule set ${ruleSet.name} has no version ${formatReceived(versionText)} (versions are numbered 1, 2, …)`,
    )
  const version = await prisma.ruleSetVersion.findFirst({
    where: { ruleSetId: ruleSet.id, ...(versionText ? { version: Number(versionText) } : {}) },
    orderBy: { version: 'desc' },
    include: { ruleSet: true },
  })
  if (!version) throw new NotFoundError(`rule set ${ruleSet.name} has no version ${versionText ?? ''}`.trim())
  return version
}

export type StoredRuleSetVersion = NonNullable<Awaited<ReturnType<typeof findRuleSetVersion>>>

/** Stored rule sets as a filterable, keyset-paged list (by name by default), each with its versions newest first. */
export const RULE_SET_LIST: PrismaListSpec = {
  fields: {
    id: { type: 'string', path: ['id'], sortable: true },
    name: { type: 'string', path: ['name'], sortable: true },
    derivedFrom: { type: 'string', path: ['derivedFrom'] },
    createdAt: { type: 'timestamp', path: ['createdAt'], sortable: true },
  },
  id: 'id',
  defaultOrder: [{ field: 'name', direction: 'ASC' }],
}

export function readRuleSetList(prisma: MetaClient, query: ListQuery): Promise<ListPage<StoredRuleSet>> {
  return readPrismaList(
    RULE_SET_LIST,
    query,
    (args) =>
      prisma.ruleSet.findMany({
        ...(args as Prisma.RuleSetFindManyArgs),
        include: { versions: { orderBy: { version: 'desc' } } },
      }),
    (args) => prisma.ruleSet.count(args as Prisma.RuleSetCountArgs),
  )
}

/** One rule set's versions as a filterable, keyset-paged list (newest first by default). */
export const RULE_SET_VERSION_LIST: PrismaListSpec = {
  fields: {
    id: { type: 'string', path: ['id'], sortable: true },
    version: { type: 'bigint', path: ['version'], sortable: true },
    hash: { type: 'string', path: ['hash'], sortable: true },
    createdAt: { type: 'timestamp', path: ['createdAt'], sortable: true },
  },
  id: 'id',
  defaultOrder: [{ field: 'version', direction: 'DESC' }],
}

export function readRuleSetVersionList(
  prisma: MetaClient,
  ruleSetId: string,
  query: ListQuery,
): Promise<ListPage<RuleSetVersion>> {
  const scoped = (where: Record<string, unknown>) => ({ AND: [where, { ruleSetId }] })
  return readPrismaList(
    RULE_SET_VERSION_LIST,
    query,
    (args) =>
      prisma.ruleSetVersion.findMany({ ...(args as Prisma.RuleSetVersionFindManyArgs), where: scoped(args.where) }),
    (args) => prisma.ruleSetVersion.count({ where: scoped(args.where) } as Prisma.RuleSetVersionCountArgs),
  )
}
