// Daily ingestion schedules from configuration: yesterday's archive files for the configured markets, none when no
// markets are configured.
import type { Config } from '../../src/config/load.ts'
import type { ScheduleSpec } from '../../src/store/meta/jobRuns.ts'

export function ingestionSchedules(config: Config): ScheduleSpec[] {
  const out: ScheduleSpec[] = []
  if (config.ingestMarkets?.length) {
    out.push({
      name: 'ingest-binance-um-daily',
      job: 'ingest.binance-um',
      cron: config.ingestCron,
      // No from/to: the job takes yesterday (UTC) each time it runs.
      params: { markets: config.ingestMarkets, datasets: config.ingestDatasets },
    })
  }
  if (config.ingestBybitMarkets?.length) {
    out.push({
      name: 'ingest-bybit-daily',
      job: 'ingest.bybit',
      cron: config.ingestCron,
      params: { markets: config.ingestBybitMarkets },
    })
  }
  return out
}
