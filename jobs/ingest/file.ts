// Job: load local CSV / Parquet files in Backstop's normalized layout into one table. Finds what each file loaded
// before (the same content under this venue, table and market, also under the ids older versions gave files), so the
// same bytes are never loaded twice and a changed file replaces only its own earlier rows, and only with `force`.
import { z } from 'zod'
import { NORMALIZED_TABLES } from '../../src/domain/loadSpec.ts'
import { FILE_SOURCE, planFiles, type PlannedFile } from '../../src/ingest/file/connector.ts'
import type { DuckStore } from '../../src/store/duck/open.ts'
import { storedFileLoads } from '../../src/store/ingest/manifest.ts'
import { defineJob } from '../job.ts'
import { runIngestion } from './common.ts'

// eslint-disable-next-line no-control-regex
const printable = (s: string) => !/[\u0000-\u001f\u007f-\u009f]/.test(s)

export const fileParams = z
  .object({
    table: z.enum(NORMALIZED_TABLES),
    venue: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a lower-case venue name such as binance-um'),
    market: z.string().min(1).max(128).refine(printable, 'a market name without control characters').optional(),
    paths: z.array(z.string().min(1)).min(1),
    force: z.boolean().default(false),
  })
  .strict()

/**
 * Gives each planned file the identity of its earlier load, if any: a partition stored under the old name-based id
 * for this venue with the same content keeps its id (and its rows); loads of the same path with other content are
 * superseded, which needs `force` (without it the file fails with a message saying so, and nothing changes).
 */
export async function resolveFileIdentities(
  store: DuckStore,
  planned: PlannedFile[],
  options: { venue: string; force: boolean },
): Promise<PlannedFile[]> {
  const seen = new Map<string, PlannedFile>()
  const out: PlannedFile[] = []
  for (const p of planned) {
    if (p.sha256) {
      const earlier = await storedFileLoads(store, {
        venue: options.venue,
        dataset: p.key.dataset,
        market: p.key.market,
        ids: [p.legacyId],
        path: p.path,
      })
      const legacy = earlier.find((e) => e.partitionId === p.legacyId && e.checksum === p.sha256)
      if (legacy) p.key.id = legacy.partitionId
      const id = p.key.id!
      const older = earlier.filter((e) => e.partitionId !== id && e.file === p.path && e.checksum !== p.sha256)
      if (older.length && !options.force) {
        p.refusal =
          `was loaded before from ${p.path} with other content (sha256 ${older[0]!.checksum?.slice(0, 12)}…, partition ` +
          `${older[0]!.partitionId}); its rows are kept. Expected the same content, or --force to replace those rows ` +
          `with this file's`
      }
      p.supersedes = older.map((e) => e.partitionId)
    }
    // The same content twice in one run is one partition.
    const id = p.key.id!
    if (seen.has(id)) continue
    seen.set(id, p)
    out.push(p)
  }
  return out
}

export const fileJob = defineJob({
  name: 'ingest.file',
  description: 'Local CSV/Parquet files in the normalized layout into one table.',
  params: fileParams,
  async run(context, params) {
    const planned = await planFiles({
      table: params.table,
      venue: params.venue,
      ...(params.market ? { market: params.market } : {}),
      paths: params.paths,
    })
    const resolved = await resolveFileIdentities(context.runtime.duck, planned, {
      venue: params.venue,
      force: params.force,
    })
    return runIngestion(context, FILE_SOURCE, resolved, { force: params.force })
  },
})
