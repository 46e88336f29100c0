// Gives each planned local file the identity of its earlier load, if any, so the same bytes are never loaded twice
// and a changed file replaces only its own earlier rows, and only with `force`.
import type { EarlierFileLoad } from '../sources/definition.ts'
import type { PlannedFile } from './connector.ts'

type EarlierLoads = (where: {
  venue: string
  dataset: string
  market: string
  ids: readonly string[]
  path: string
}) => Promise<EarlierFileLoad[]>

/**
 * A partition stored under the old name-based id for this venue with the same content keeps its id (and its rows);
 * loads of the same path with other content are superseded, which needs `force` (without it the file fails with a
 * message saying so, and nothing changes).
 */
export async function resolveFileIdentities(
  earlierLoads: EarlierLoads,
  planned: PlannedFile[],
  options: { venue: string; force: boolean },
): Promise<PlannedFile[]> {
  const seen = new Map<string, PlannedFile>()
  const out: PlannedFile[] = []
  for (const p of planned) {
    if (p.sha256) {
      const earlier = await earlierLoads({
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
