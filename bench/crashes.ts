// Real-crash replays (`npm run bench:crashes`): the two Binance BTCUSDT 1 m kline excerpts in
// ../shared/data/binance-um-klines-1m-crash-excerpts (12–13 Mar 2020 and 10 Oct 2025) with their funding rows, loaded
// into a temp store under each linear preset's venue and market name, replayed with a population sized to the
// published open interest of the day, and summarised per preset: liquidated notional, bankruptcies, shortfall, fund
// path and distance to failure. `-- --json FILE` writes the summaries; `-- --presets a,b` picks presets;
// `-- --population JSON` overrides population fields; `-- --excerpt 2020|2025` runs one excerpt. The replay starts
// `--history-minutes N` (default 60) into the excerpt, so the population's initial positions enter over the stored
// minutes before it (population.entryLookbackHours = N / 60; `--population '{"entryLookbackHours":0}'` puts them all
// at the first mark, the model before); `--from ISO` / `--to ISO` set the replay window instead.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { executeBacktest } from '../src/replay/backtest/execute.ts'
import { prepareBacktest } from '../src/replay/backtest/prepare.ts'
import { deriveRuleSet, parseAssignment } from '../src/replay/rules/derive.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'
import { DuckStore } from '../src/store/duck/open.ts'
import { migrateDuck } from '../src/store/duck/schema.ts'
import { createMetaClient } from '../src/store/meta/client.ts'
import { migrateDeploy } from '../src/store/meta/migrate.ts'
import { projectRoot } from '../src/project.ts'

const argv = process.argv.slice(2)
const arg = (name: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1]! : null
}
const flag = (name: string) => argv.includes(`--${name}`)
/** Every `--set path=value` (rule-set overrides applied to each preset). */
const sets = argv.flatMap((a, i) => (a === '--set' ? [parseAssignment(argv[i + 1]!)!] : []))

const DATA = path.resolve(projectRoot, '../shared/data')
const KLINES = path.join(DATA, 'binance-um-klines-1m-crash-excerpts')
const FUNDING = path.join(DATA, 'binance-um-fundingRate')

/**
 * The two excerpts and the population each is replayed with. Open interest is the published figure for Binance's
 * BTC futures before the move (third-party, cited); the mean notional, $12k, is $19.1B liquidated over 1.6M
 * accounts on 10 Oct 2025 [C1], so a log-normal of σ 1.5 has median 12,000 / e^(1.5²/2) ≈ 3,900.
 */
const EXCERPTS = [
  {
    id: '2020',
    file: 'BTCUSDT-1m-2020-03.excerpt_2020-03-12T2203Z_2020-03-13T0513Z.csv',
    header: false,
    funding: 'BTCUSDT-fundingRate-2020-03.csv',
    from: '2020-03-12T22:03:00Z',
    to: '2020-03-13T05:14:00Z',
    binancePreset: 'binance-um@2021-03-18',
    // Binance BTC futures OI on 12 Mar 2020 before the drop to $73M (skew, via AMBCrypto)
    openInterest: 158e6,
  },
  {
    id: '2025',
    file: 'BTCUSDT-1m-2025-10.excerpt_2025-10-10T1913Z_2025-10-10T2334Z.csv',
    header: true,
    funding: 'BTCUSDT-fundingRate-2025-10.csv',
    from: '2025-10-10T19:13:00Z',
    to: '2025-10-10T23:35:00Z',
    binancePreset: 'binance-um@2025-09-18',
    // Binance BTC futures OI topped $15B on 6 Oct 2025 (CryptoQuant via BingX); capped by the population's 2M positions
    openInterest: 15e9,
  },
] as const

const MEAN_NOTIONAL = 12_000
const NOTIONAL_SIGMA = 1.5
const MAX_POSITIONS = 2_000_000

/** Each linear preset replays the same path under its own venue and market name (its tiers are keyed by them). */
const VENUES: Array<{ preset: string; venue: string; market: string }> = [
  { preset: 'binance-um', venue: 'binance-um', market: 'BTCUSDT' },
  { preset: 'bybit', venue: 'bybit', market: 'BTCUSDT' },
  { preset: 'okx', venue: 'okx', market: 'BTC-USDT-SWAP' },
  { preset: 'bitmex', venue: 'bitmex', market: 'XBTUSDT' },
  { preset: 'dydx-v4', venue: 'dydx', market: 'BTC-USD' },
  { preset: 'hyperliquid', venue: 'hyperliquid', market: 'BTC' },
  { preset: 'drift', venue: 'drift', market: 'BTC-PERP' },
  { preset: 'gmx-v2', venue: 'gmx', market: 'BTC/USD' },
]

async function load(store: DuckStore, excerpt: (typeof EXCERPTS)[number]): Promise<void> {
  const kl = path.join(KLINES, excerpt.file)
  const fu = path.join(FUNDING, excerpt.funding)
  const cols =
    "{'open_time':'BIGINT','open':'DOUBLE','high':'DOUBLE','low':'DOUBLE','close':'DOUBLE','volume':'DOUBLE','close_time':'BIGINT','quote_volume':'DOUBLE','count':'BIGINT','taker_buy_volume':'DOUBLE','taker_buy_quote_volume':'DOUBLE','ignore':'DOUBLE'}"
  await store.use(async (c) => {
    for (const v of VENUES) {
      await c.run(
        `INSERT INTO bars SELECT $1, $2, make_timestamp(open_time * 1000), 60, open, high, low, close, volume,
                quote_volume, count, taker_buy_volume, quote_volume / nullif(volume, 0), 'klines', 'crash-excerpt'
           FROM read_csv($3, header = ${excerpt.header}, columns = ${cols})`,
        [v.venue, v.market, kl],
      )
      await c.run(
        `INSERT INTO funding SELECT $1, $2, make_timestamp(calc_time * 1000), last_funding_rate, funding_interval_hours,
                NULL, 'crash-excerpt'
           FROM read_csv($3, header = true, columns = {'calc_time':'BIGINT','funding_interval_hours':'INTEGER','last_funding_rate':'DOUBLE'})`,
        [v.venue, v.market, fu],
      )
    }
    await c.run('CHECKPOINT')
  })
}

async function main(): Promise<void> {
  if (!fs.existsSync(KLINES) || !fs.existsSync(FUNDING)) {
    console.log(`skipping: ${KLINES} or ${FUNDING} is absent`)
    return
  }
  const only = arg('presets')?.split(',') ?? null
  const which = arg('excerpt')
  const override = arg('population') ? (JSON.parse(arg('population')!) as Record<string, unknown>) : {}
  const extra = arg('request') ? (JSON.parse(arg('request')!) as Record<string, unknown>) : {}
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backstop-crashes-'))
  const out: Record<string, unknown> = {}
  try {
    const url = `file:${path.join(dir, 'meta.db')}`
    await migrateDeploy({ url })
    const meta = createMetaClient(url)
    const duck = await DuckStore.open({ path: path.join(dir, 'crashes.duckdb') })
    try {
      await migrateDuck(duck)
      for (const excerpt of EXCERPTS) {
        if (which && which !== excerpt.id) continue
        await load(duck, excerpt)
        const historyMinutes = Number(arg('history-minutes') ?? 60)
        const from = arg('from') ?? new Date(Date.parse(excerpt.from) + historyMinutes * 60_000).toISOString()
        const to = arg('to') ?? excerpt.to
        const lookback = { entryLookbackHours: Math.max(0, (Date.parse(from) - Date.parse(excerpt.from)) / 3_600_000) }
        console.log(`${excerpt.id}: replay ${from} → ${to}, entries over the stored history from ${excerpt.from}`)
        const n = Math.min(MAX_POSITIONS, Math.round((2 * excerpt.openInterest) / MEAN_NOTIONAL))
        const notional = {
          notionalMedian: Math.round(MEAN_NOTIONAL / Math.exp(NOTIONAL_SIGMA ** 2 / 2)),
          notionalSigma: NOTIONAL_SIGMA,
        }
        // old: the count set by hand and leverage log-uniform on [2, 50] (the defaults before issue 16); new: the
        // count matched to the open interest and the default leverage quantiles
        const population =
          arg('population-model') === 'old'
            ? {
                initialPositions: n,
                ...notional,
                leverageMin: 2,
                leverageMax: 50,
                maxOpen: Math.ceil(n * 1.5),
                ...lookback,
                ...override,
              }
            : { openInterestNotional: excerpt.openInterest, ...notional, maxOpen: 3_000_000, ...lookback, ...override }
        for (const v of VENUES) {
          if (only && !only.includes(v.preset)) continue
          let ruleSet: string = v.preset === 'binance-um' ? excerpt.binancePreset : v.preset
          if (sets.length) {
            // the preset with the overrides, as a rule-set file
            const derived = deriveRuleSet(findPreset(ruleSet).rules, sets, { derivedFrom: ruleSet })
            const file = path.join(dir, `${v.preset}-${excerpt.id}.json`)
            fs.writeFileSync(file, derived.body)
            ruleSet = file
          }
          const t = performance.now()
          const prepared = await prepareBacktest(
            { duck, meta },
            {
              ruleSet,
              venue: v.venue,
              markets: [v.market],
              from,
              to,
              positions: 'synthetic',
              population,
              seed: 7,
              resolutionSeconds: 60,
              ...extra,
            },
            { allowFiles: true },
          )
          const { summary: s } = await executeBacktest({ duck }, prepared, { runId: `crash-${excerpt.id}-${v.preset}` })
          out[`${excerpt.id}:${v.preset}`] = s
          const d = s.distanceToFailure
          console.log(
            `${excerpt.id} ${ruleSet.padEnd(22)} liquidations ${s.liquidations} (${s.partialLiquidations} partial) notional ${Number(s.liquidatedNotional).toExponential(3)} bankruptcies ${s.bankruptcies} shortfall ${s.totalShortfall} fund ${s.fund.initial} → ${s.fund.final} (low ${s.fund.low}) ADL ${s.coveredByAdl} social ${s.socializedLoss} bad debt ${s.totalBadDebt} opened ${s.positionsOpened}${d?.text ? `\n     ${d.text}` : ''} [${((performance.now() - t) / 1000).toFixed(1)} s]`,
          )
        }
      }
    } finally {
      duck.close()
      await meta.$disconnect()
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  const json = arg('json')
  if (json) fs.writeFileSync(json, `${JSON.stringify(out, null, 2)}\n`)
  if (flag('print')) console.log(JSON.stringify(out, null, 2))
}

await main()
