// `backstop coverage`: per venue, market and dataset, the covered ranges, missing days and minutes, and row counts;
// while a server holds the store, read through its dataCoverageConnection (the same text and JSON).
import type { Command } from 'commander'
import { openRunSystem } from '../../../jobs/open.ts'
import { createLogger } from '../../obs/logger.ts'
import { coveredMarkets, marketCoverage, type DatasetCoverage } from '../../store/market/coverage.ts'
import { action } from '../action.ts'
import type { ServerClient } from '../remote/client.ts'
import { viaServerOr } from '../remote/handOver.ts'

const day = (d: Date | null) =>
  d
    ? d
        .toISOString()
        .replace('T', ' ')
        .replace(/:00\.000Z$|\.000Z$/, '')
    : '-'

function printText(all: DatasetCoverage[]): void {
  if (all.length === 0) {
    console.log('no data loaded')
    return
  }
  for (const c of all) {
    console.log(
      `${c.venue} ${c.market} ${c.source}/${c.dataset} → ${c.table}: ${c.partitions} partition(s), ` +
        `${c.rows} rows, ${day(c.firstTs)} → ${day(c.lastTs)}`,
    )
    for (const r of c.ranges) console.log(`  covered  ${day(r.from)} → ${day(r.to)}`)
    for (const g of c.gaps) console.log(`  gap      ${day(g.from)} → ${day(g.to)} (${g.reason})`)
    if (c.holes.length) {
      console.log(
        `  holes    ${c.holes.length} inside loaded partitions: ${c.missingRows} rows / ${formatMinutes(c.missingMinutes)} min missing`,
      )
      for (const h of c.holes.slice(0, 20))
        console.log(`           ${day(h.from)} → ${day(h.to)} (${h.missing} × ${h.stepSeconds}s)`)
      if (c.holes.length > 20) console.log(`           … ${c.holes.length - 20} more (use --json)`)
    }
  }
}

export function registerCoverage(program: Command): void {
  program
    .command('coverage')
    .description('what market data is held: covered ranges, missing days/minutes, row counts')
    .option('--venue <venue>', 'only this venue, e.g. binance-um')
    .option('--market <market>', 'only this market, e.g. BTCUSDT')
    .option('--json', 'print JSON')
    .option('--local', 'run in this process even while a server runs (it then fails on the held DuckDB file)')
    .action(
      action(async (config, options: { venue?: string; market?: string; json?: boolean; local?: boolean }) =>
        viaServerOr(config, options, {
          remote: async (client) => print(await remoteCoverage(client, options), options),
          local: async () => {
            const { runtime, close } = await openRunSystem(config, { migrate: true, log: createLogger('warn', 2) })
            try {
              const all: DatasetCoverage[] = []
              for (const { venue, market } of await coveredMarkets(runtime.duck, options)) {
                all.push(...(await marketCoverage(runtime.duck, venue, market)))
              }
              print(all, options)
            } finally {
              await close()
            }
          },
        }),
      ),
    )
}

function print(all: DatasetCoverage[], options: { json?: boolean }): void {
  if (options.json) console.log(JSON.stringify(all, null, 2))
  else printText(all)
}

/** Fields in DatasetCoverage's own key order, so `--json` prints the same text either way. */
const COVERAGE_FIELDS = `venue market source dataset table partitions missingPartitions rows firstTs lastTs
  ranges { from to } gaps { from to kind } holes { from to missing stepSeconds } missingRows missingMinutes`

type Wire<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] }
type WireCoverage = Omit<Wire<DatasetCoverage>, 'ranges' | 'gaps' | 'holes'> & {
  ranges: Array<Wire<DatasetCoverage['ranges'][number]>>
  gaps: Array<Omit<Wire<DatasetCoverage['gaps'][number]>, 'reason'> & { kind: string }>
  holes: Array<Wire<DatasetCoverage['holes'][number]>>
}

interface CoveragePage {
  nodes: WireCoverage[]
  pageInfo: { hasNextPage: boolean; endCursor: string | null }
}

/**
 * Every page of dataCoverageConnection (venue, market, source, dataset order: the local path's), times as Dates.
 * Pages of 1000: a row selects about 80 fields and lists, and the query cost limit charges each per row.
 */
async function remoteCoverage(
  client: ServerClient,
  options: { venue?: string; market?: string },
): Promise<DatasetCoverage[]> {
  const filter = {
    ...(options.venue !== undefined ? { venue: { equals: options.venue } } : {}),
    ...(options.market !== undefined ? { market: { equals: options.market } } : {}),
  }
  const all: DatasetCoverage[] = []
  let after: string | null = null
  for (;;) {
    const answer: { dataCoverageConnection: CoveragePage } = await client.request(
      `query ($filter: DatasetCoverageFilter, $after: String) {
        dataCoverageConnection(first: 1000, after: $after, filter: $filter) {
          nodes { ${COVERAGE_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
      { filter, after },
    )
    const page = answer.dataCoverageConnection
    const date = (t: string | null) => (t === null ? null : new Date(t))
    const span = <T extends { from: string; to: string }>(r: T) => ({
      ...r,
      from: new Date(r.from),
      to: new Date(r.to),
    })
    for (const c of page.nodes)
      all.push({
        ...c,
        firstTs: date(c.firstTs),
        lastTs: date(c.lastTs),
        ranges: c.ranges.map(span),
        // the enum's value back to the reason's words (missing_at_source → missing-at-source), in the same key order
        gaps: c.gaps.map(({ kind, ...g }) => ({
          ...span(g),
          reason: kind.replaceAll('_', '-') as DatasetCoverage['gaps'][number]['reason'],
        })),
        holes: c.holes.map(span),
      })
    if (!page.pageInfo.hasNextPage) return all
    after = page.pageInfo.endCursor
  }
}

/** Minutes with at most one decimal (holes measured in seconds add up to fractions). */
function formatMinutes(minutes: number): string {
  return String(Math.round(minutes * 10) / 10)
}
