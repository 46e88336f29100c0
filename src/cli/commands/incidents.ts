// `backstop incidents` lists incidents (per run or venue; through a running server's incidents connection while it
// holds the store); `backstop incident ID` prints one incident's timeline (through its incident(id) query likewise).
import type { Command } from 'commander'
import { closeRuntime, openRuntime } from '../../app/runtime.ts'
import { InvalidInputError, NotFoundError } from '../../errors.ts'
import { createLogger } from '../../obs/logger.ts'
import {
  readIncident,
  readIncidents,
  type StoredIncident,
  type StoredIncidentMember,
} from '../../store/detect/incidents.ts'
import { trimDecimal } from '../../store/detect/read.ts'
import { action } from '../action.ts'
import type { ServerClient } from '../remote/client.ts'
import { viaServerOr } from '../remote/handOver.ts'

const time = (us: number) =>
  new Date(Math.floor(us / 1000))
    .toISOString()
    .replace('T', ' ')
    .replace(/\.000Z$/, 'Z')

const wide = (us: number) => new Date(Math.floor(us / 1000)).toISOString()

export function registerIncidents(program: Command): void {
  program
    .command('incidents')
    .description('incidents: deficits, liquidation bursts, guardrail triggers and detections grouped')
    .option('--run <id>', 'only this backtest run’s incidents')
    .option('--venue <venue>', 'only this venue')
    .option('--json', 'print JSON')
    .option('--local', 'run in this process even while a server runs (it then fails on the held DuckDB file)')
    .action(
      action(async (config, options: { run?: string; venue?: string; json?: boolean; local?: boolean }) =>
        viaServerOr(config, options, {
          remote: async (client) => printIncidents(await remoteIncidents(client, options), options),
          local: async () => {
            const { runtime } = await openRuntime(config, { migrate: true, log: createLogger('warn', 2) })
            try {
              const incidents = await readIncidents(runtime.duck, {
                venue: options.venue ?? null,
                ...(options.run !== undefined ? { runId: options.run } : {}),
              })
              printIncidents(incidents, options)
            } finally {
              await closeRuntime(runtime)
            }
          },
        }),
      ),
    )
  program
    .command('incident <id>')
    .description('one incident and its timeline')
    .option('--json', 'print JSON')
    .option('--local', 'run in this process even while a server runs (it then fails on the held DuckDB file)')
    .action(
      action(async (config, id: string, options: { json?: boolean; local?: boolean }) => {
        const found = await viaServerOr(config, options, {
          remote: (client) => remoteIncident(client, id),
          local: async () => {
            const { runtime } = await openRuntime(config, { migrate: true, log: createLogger('warn', 2) })
            try {
              return await readIncident(runtime.duck, id)
            } finally {
              await closeRuntime(runtime)
            }
          },
        })
        if (!found)
          throw new InvalidInputError('unknown incident', [
            { path: 'id', received: id, expected: 'an incident id, as `backstop incidents` lists them' },
          ])
        printIncident(found, options)
      }),
    )
}

/** One incident and its timeline (or JSON), the same whichever process read it. */
function printIncident(found: FoundIncident, options: { json?: boolean }): void {
  if (options.json) {
    console.log(JSON.stringify(found, null, 2))
    return
  }
  const i = found.incident
  console.log(i.title)
  console.log(`id          ${i.id}`)
  console.log(`venue       ${i.venue}${i.runId ? ` (run ${i.runId})` : ' (market data)'}`)
  console.log(`window      ${time(i.fromUs)} → ${time(i.toUs)}`)
  console.log(`severity    ${i.severity}`)
  console.log(`markets     ${i.markets.join(', ')}`)
  console.log(`deficit     ${i.totalDeficit}   insurance fund ${i.insuranceFundImpact}   ADL fills ${i.adlCount}`)
  if (i.accounts.length)
    console.log(
      `accounts    ${i.accounts.slice(0, 10).join(', ')}${i.accounts.length > 10 ? ` … +${i.accounts.length - 10}` : ''}`,
    )
  console.log('timeline:')
  for (const m of found.timeline) {
    console.log(
      `  ${time(m.fromUs)}  ${m.kind.padEnd(9)} ${m.severity.padEnd(8)} ${m.market ?? '-'}  ${m.summary}  [${m.ref}]`,
    )
  }
}

function printIncidents(incidents: StoredIncident[], options: { json?: boolean }): void {
  if (options.json) {
    console.log(
      JSON.stringify(
        incidents.map((i) => ({ ...i, from: wide(i.fromUs), to: wide(i.toUs), fromUs: undefined, toUs: undefined })),
        null,
        2,
      ),
    )
    return
  }
  if (!incidents.length) {
    console.log('no incidents')
    return
  }
  for (const i of incidents) {
    console.log(
      `${i.id}  ${i.severity.padEnd(8)}  ${time(i.fromUs)} → ${time(i.toUs)}  ${i.venue}` +
        `${i.runId ? ` run ${i.runId}` : ''}  deficit ${i.totalDeficit}  fund ${i.insuranceFundImpact}  ADL ${i.adlCount}`,
    )
    console.log(`    ${i.title}`)
  }
}

interface WireIncident {
  id: string
  venue: string
  runId: string | null
  markets: string[]
  windowFromUs: number
  windowToUs: number
  severity: string
  title: string
  totalDeficit: string
  insuranceFundImpact: string
  adlCount: number
  accounts: string[]
  detectionCount: number
  members: number
  gapSeconds: number
  createdAt: string
}

const INCIDENT_FIELDS = `id venue runId markets windowFromUs windowToUs severity title totalDeficit insuranceFundImpact
  adlCount accounts detectionCount members gapSeconds createdAt`

/** An incident read through the API as the store reads it (times to the µs, amounts trimmed). */
const storedIncident = (i: WireIncident): StoredIncident => ({
  id: i.id,
  venue: i.venue,
  runId: i.runId,
  markets: i.markets,
  fromUs: i.windowFromUs,
  toUs: i.windowToUs,
  severity: i.severity,
  title: i.title,
  totalDeficit: trimDecimal(i.totalDeficit),
  insuranceFundImpact: trimDecimal(i.insuranceFundImpact),
  adlCount: i.adlCount,
  accounts: i.accounts,
  detections: i.detectionCount,
  members: i.members,
  gapSeconds: i.gapSeconds,
  createdAt: new Date(i.createdAt),
})

type FoundIncident = { incident: StoredIncident; timeline: StoredIncidentMember[] }

/**
 * One incident and its timeline through the server's incident(id) query, as readIncident returns it (times to the
 * µs); an unknown id is null, as in this process (the server answers NOT_FOUND).
 */
async function remoteIncident(client: ServerClient, id: string): Promise<FoundIncident | null> {
  let answer: { incident: WireIncident & { timeline: WireMember[] } }
  try {
    answer = await client.request(
      `query ($id: ID!) { incident(id: $id) { ${INCIDENT_FIELDS}
        timeline { seq kind ref fromUs toUs market accounts severity summary figures } } }`,
      { id },
    )
  } catch (error) {
    if (error instanceof NotFoundError) return null
    throw error
  }
  const { timeline, ...incident } = answer.incident
  return {
    incident: storedIncident(incident),
    timeline: timeline.map((m) => ({
      seq: m.seq,
      kind: m.kind,
      ref: m.ref,
      fromUs: m.fromUs,
      toUs: m.toUs,
      market: m.market,
      accounts: m.accounts,
      severity: m.severity,
      summary: m.summary,
      figures: m.figures,
    })),
  }
}

interface WireMember {
  seq: number
  kind: string
  ref: string
  fromUs: number
  toUs: number
  market: string | null
  accounts: string[]
  severity: string
  summary: string
  figures: unknown
}

interface IncidentPage {
  nodes: WireIncident[]
  pageInfo: { hasNextPage: boolean; endCursor: string | null }
}

/**
 * Every incident of the venue / run through the server's incidents connection, by window start and venue (then id;
 * the local read puts market-data incidents first among those, a tie the connection cannot order by), as the store
 * reads them (times to the µs, amounts trimmed), so both paths print the same.
 */
async function remoteIncidents(
  client: ServerClient,
  options: { run?: string; venue?: string },
): Promise<StoredIncident[]> {
  const filter = {
    ...(options.venue !== undefined ? { venue: { equals: options.venue } } : {}),
    ...(options.run !== undefined ? { runId: { equals: options.run } } : {}),
  }
  const out: StoredIncident[] = []
  let after: string | null = null
  for (;;) {
    const answer: { incidents: IncidentPage } = await client.request(
      `query ($filter: IncidentFilter, $after: String) {
        incidents(first: 5000, after: $after, filter: $filter,
                  orderBy: [{ field: windowFrom, direction: ASC }, { field: venue, direction: ASC }]) {
          nodes { ${INCIDENT_FIELDS} }
          pageInfo { hasNextPage endCursor } } }`,
      { filter, after },
    )
    for (const i of answer.incidents.nodes) out.push(storedIncident(i))
    if (!answer.incidents.pageInfo.hasNextPage) return out
    after = answer.incidents.pageInfo.endCursor
  }
}
