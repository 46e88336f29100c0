// What the first-start demo (jobs/demo.ts) reads: whether a store has never held anything (no market-data partition
// in DuckDB, no run in the metadata store: any run, the demo's own included, or any load rules the demo out), and the
// detections and incidents a venue holds when it is done.
import type { DuckStore } from './duck/open.ts'
import type { MetaClient } from './meta/client.ts'

export async function storeIsEmpty(stores: { duck: DuckStore; meta: MetaClient }): Promise<boolean> {
  if ((await stores.meta.jobRun.count()) > 0) return false
  const partitions = await stores.duck.use(async (c) =>
    Number((await c.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM partitions`)).getRowObjectsJS()[0]!.n),
  )
  return partitions === 0
}

export async function venueFindings(
  duck: DuckStore,
  venue: string,
): Promise<{ detections: number; incidents: number }> {
  return duck.use(async (c) => {
    const row = (
      await c.runAndReadAll(
        `SELECT (SELECT count(*) FROM detections WHERE venue = $1)::DOUBLE AS detections,
                (SELECT count(*) FROM incidents WHERE venue = $1)::DOUBLE AS incidents`,
        [venue],
      )
    ).getRowObjectsJS()[0]!
    return { detections: Number(row.detections), incidents: Number(row.incidents) }
  })
}
