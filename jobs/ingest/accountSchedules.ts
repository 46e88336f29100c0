// Daily schedules from configuration for the account-level and oracle sources: yesterday's history for the
// configured coins, accounts, markets, subaccounts and feeds; none for a source with nothing configured.
import type { Config } from '../../src/config/load.ts'
import type { ScheduleSpec } from '../../src/store/meta/jobRuns.ts'

export function accountSourceSchedules(config: Config): ScheduleSpec[] {
  const out: ScheduleSpec[] = []
  const coins = config.ingestHyperliquidCoins ?? []
  const accounts = config.ingestHyperliquidAccounts ?? []
  if (coins.length || accounts.length) {
    out.push({
      name: 'ingest-hyperliquid-daily',
      job: 'ingest.hyperliquid',
      cron: config.ingestCron,
      // No from/to: the job takes yesterday (UTC) each time it runs; the margin snapshot is taken then.
      params: {
        coins,
        accounts,
        datasets: [
          ...(coins.length ? ['candles', 'funding'] : []),
          ...(accounts.length ? ['fills', 'ledger', 'state'] : []),
        ],
      },
    })
  }
  const markets = config.ingestDydxMarkets ?? []
  const subaccounts = config.ingestDydxSubaccounts ?? []
  if (markets.length || subaccounts.length) {
    out.push({
      name: 'ingest-dydx-daily',
      job: 'ingest.dydx',
      cron: config.ingestCron,
      params: {
        markets,
        subaccounts,
        datasets: [
          ...(markets.length ? ['trades', 'funding', 'candles'] : []),
          ...(subaccounts.length ? ['fills', 'ledger'] : []),
        ],
      },
    })
  }
  if (config.ingestPythFeeds?.length) {
    out.push({
      name: 'ingest-pyth-daily',
      job: 'ingest.pyth',
      cron: config.ingestCron,
      params: { feeds: config.ingestPythFeeds },
    })
  }
  // One schedule per feed: each has its own heartbeat.
  for (const spec of config.ingestChainlinkFeeds ?? []) {
    const [address = '', heartbeat] = spec.split(':')
    out.push({
      name: `ingest-chainlink-${address.toLowerCase()}-daily`,
      job: 'ingest.chainlink',
      cron: config.ingestCron,
      params: { feeds: [address], ...(heartbeat ? { heartbeat: Number(heartbeat) } : {}) },
    })
  }
  return out
}
