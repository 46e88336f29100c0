// `backstop runs list --trigger`: only the runs started that way (the server's own first-start demo is `system`), and
// an unknown trigger refused naming the valid ones, before the store is read.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, expect, test, vi } from 'vitest'
import { listRunsCommand } from '../src/cli/commands/runs.ts'
import { loadConfig } from '../src/config/load.ts'
import { InvalidInputError } from '../src/errors.ts'
import { createMetaClient } from '../src/store/meta/client.ts'
import { migratedDataDir } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const dataDir = path.join(tempDir(), 'data')
fs.cpSync(await migratedDataDir(), dataDir, { recursive: true })
const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' })
const meta = createMetaClient(config.databaseUrl)
afterAll(() => meta.$disconnect())

const run = (id: string, trigger: string, minute: number) =>
  meta.jobRun.create({
    data: {
      ...{ id, kind: id.split('-')[0]!, job: id.split('-')[0]!, trigger, host: 'h', pid: 1, status: 'succeeded' },
      queuedAt: new Date(Date.UTC(2030, 0, 1, 0, minute)),
    },
  })
await run('demo-1', 'system', 0)
await run('scenario-1', 'system', 1)
await run('ingest-1', 'cron', 2)
await run('backtest-1', 'cli', 3)

/** What the command printed, as the JSON it printed. */
async function listed(options: Record<string, string>): Promise<Array<{ id: string; trigger: string }>> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
  try {
    await listRunsCommand(config, { limit: '20', json: true, ...options })
    return JSON.parse(String(log.mock.calls.map((c) => c[0]).join('\n'))) as Array<{ id: string; trigger: string }>
  } finally {
    log.mockRestore()
  }
}

test('--trigger system lists the runs the server started itself, newest first', async () => {
  expect((await listed({ trigger: 'system' })).map((r) => [r.id, r.trigger])).toEqual([
    ['scenario-1', 'system'],
    ['demo-1', 'system'],
  ])
  expect((await listed({ trigger: 'cron' })).map((r) => r.id)).toEqual(['ingest-1'])
  expect(await listed({})).toHaveLength(4)
})

test('an unknown trigger is an input error naming what was received and every valid trigger', async () => {
  const refused = listRunsCommand(config, { limit: '20', trigger: 'scheduler' })
  await expect(refused).rejects.toThrow(InvalidInputError)
  await expect(refused).rejects.toThrow(
    '--trigger: received "scheduler"; expected one of cron, cli, api, recovery, system, migrated',
  )
})
