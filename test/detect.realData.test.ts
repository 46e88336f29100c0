// The real Binance crash excerpts (1m klines, no liquidation rows) loaded through `ingest file`: the cascade detector
// works from the price path and the incidents cover the crash minutes — 10 Oct 2025 21:15 UTC and 13 Mar 2020 around
// the 02:16 low. Skipped when ../shared/data is absent.
import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { loadRealData, SHARED_DATA } from '../bench/realData.ts'
import { runDetectors } from '../src/detect/run.ts'
import { readIncidents } from '../src/store/detect/incidents.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const present = fs.existsSync(path.join(SHARED_DATA, 'binance-um-klines-1m-crash-excerpts'))
if (!present) console.warn(`skipping real-data detector tests: ${SHARED_DATA} is absent`)
const runtime = present ? await testRuntime() : null
const scratch = tempDir()

test.skipIf(!present)(
  'the 2020-03-12/13 and 2025-10-10 crashes show cascade incidents in the crash minutes',
  { timeout: 120_000 },
  async () => {
    const { windows } = await loadRealData(runtime!, scratch)
    for (const w of windows.filter((x) => x.venue === 'binance-um')) {
      await runDetectors(runtime!, {
        venue: w.venue,
        markets: w.markets,
        from: w.from,
        to: w.to,
        detectors: ['liquidation-cascade'],
      })
    }
    const incidents = await readIncidents(runtime!.duck, { venue: 'binance-um' })
    const covering = (iso: string) =>
      incidents.filter(
        (i) =>
          i.fromUs <= Date.parse(iso) * 1000 &&
          i.toUs >= Date.parse(iso) * 1000 &&
          i.title.startsWith('Liquidation cascade'),
      )
    expect(covering('2025-10-10T21:15:00Z').map((i) => i.severity)).toEqual(['critical'])
    expect(covering('2020-03-12T23:28:00Z')).toHaveLength(1)
    expect(covering('2020-03-13T02:01:00Z')).toHaveLength(1)
    // and nothing in the calm hours before the 2025 crash
    expect(covering('2025-10-10T20:00:00Z')).toEqual([])
  },
)
