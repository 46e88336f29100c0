// Whole results only, without a metadata round trip per page: a run seen succeeded is remembered (it cannot change
// status), a run in any other state is asked again every time, and each metadata store remembers its own runs.
import { describe, expect, test } from 'vitest'
import type { MetaClient } from '../src/store/meta/client.ts'
import { requireSucceededRun } from '../src/store/results/servable.ts'

/** A metadata client holding these run statuses, counting the lookups. */
function fakeMeta(statuses: Record<string, string>) {
  const meta = {
    lookups: 0,
    jobRun: {
      findUnique: ({ where }: { where: { id: string } }) => {
        meta.lookups++
        const status = statuses[where.id]
        return Promise.resolve(status ? { id: where.id, status, error: null } : null)
      },
    },
  }
  return meta
}

describe('requireSucceededRun', () => {
  test('a succeeded run is looked up once; running, failed and unknown runs every time', async () => {
    const statuses: Record<string, string> = { done: 'succeeded', busy: 'running', broken: 'failed' }
    const meta = fakeMeta(statuses)
    const client = meta as unknown as MetaClient
    await requireSucceededRun(client, 'done')
    await requireSucceededRun(client, 'done')
    expect(meta.lookups).toBe(1)
    for (let i = 0; i < 2; i++) {
      await expect(requireSucceededRun(client, 'busy')).rejects.toThrow(/is running/)
      await expect(requireSucceededRun(client, 'broken')).rejects.toThrow(/failed/)
      await expect(requireSucceededRun(client, 'ghost')).rejects.toThrow(/no run with id ghost/)
    }
    expect(meta.lookups).toBe(7)
    // a run that was running when first asked is served once it has succeeded
    statuses.busy = 'succeeded'
    await requireSucceededRun(client, 'busy')
    expect(meta.lookups).toBe(8)

    // another metadata store knows nothing of the first one's runs
    const other = fakeMeta({})
    await expect(requireSucceededRun(other as unknown as MetaClient, 'done')).rejects.toThrow(/no run with id done/)
    expect(other.lookups).toBe(1)
  })
})
