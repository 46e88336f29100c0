// The backtest output tables as typed, filterable, keyset-paged lists: one row type per table, built by SQL aliases
// in the API's field names (exact amounts as decimal text with Float twins ending in Approx), read only for a run
// that succeeded.
import type { DuckStore } from '../duck/open.ts'
import { oneOf as column, readRows, type ColumnsOf } from '../duck/typedRows.ts'
import type { MetaClient } from '../meta/client.ts'
import { readDuckList, type DuckListSpec, type DuckRowList } from '../query/duckList.ts'
import type { FieldSpecs, ListPage, ListQuery } from '../query/listQuery.ts'
import { requireSucceededRun } from './servable.ts'
import {
  DEFICIT_KINDS,
  FUND_REASONS,
  GUARDRAIL_ACTIONS,
  GUARDRAIL_KINDS,
  LIQUIDATION_KINDS,
  type DeficitKind,
  type FundReason,
  type GuardrailAction,
  type GuardrailKind,
  type LiquidationKind,
} from '../../domain/resultCategories.ts'

const SIDES = ['long', 'short'] as const

type Side = (typeof SIDES)[number]

export interface LiquidationRow {
  seq: number
  ts: Date
  account: string
  market: string
  side: Side
  kind: LiquidationKind
  qty: number
  notional: string
  notionalApprox: number
  triggerMark: number
  liquidationPrice: number | null
  bankruptcyPrice: number | null
  fillPrice: number
  marketPrice: number
  fee: string
  feeApprox: number
  equity: string
  equityApprox: number
  slippage: string
  slippageApprox: number
  surplusToFund: string
  surplusToFundApprox: number
  returned: string
  returnedApprox: number
  shortfall: string
  shortfallApprox: number
}

export interface DeficitRow {
  seq: number
  ts: Date
  account: string
  market: string
  liquidationSeq: number | null
  kind: DeficitKind
  shortfall: string
  shortfallApprox: number
  coveredByFund: string
  coveredByFeePool: string
  coveredByAdl: string
  socialized: string
  uncovered: string
  uncoveredApprox: number
}

export interface FundMovementRow {
  seq: number
  ts: Date
  fund: string
  market: string | null
  reason: FundReason
  delta: string
  deltaApprox: number
  balance: string
  balanceApprox: number
  liquidationSeq: number | null
}

export interface AdlFillRow {
  seq: number
  ts: Date
  market: string
  liquidationSeq: number | null
  account: string
  side: Side
  qty: number
  fillPrice: number
  mark: number
  rank: number
  score: number | null
  realizedPnl: string
  realizedPnlApprox: number
  haircut: string
  haircutApprox: number
  coveredShortfall: string
  coveredShortfallApprox: number
}

export interface SocialLossRow {
  seq: number
  ts: Date
  market: string
  liquidationSeq: number
  amount: string
  amountApprox: number
  perBaseUnit: number
  totalBase: number
  positions: number
}

export interface GuardrailTriggerRow {
  seq: number
  ts: Date
  market: string | null
  kind: GuardrailKind
  action: GuardrailAction
  value: number | null
  threshold: number | null
  account: string | null
}

/** An exact amount and its Float twin. */
const exact = (column: string, as: string) => [`${column}::VARCHAR AS "${as}"`, `${column}::DOUBLE AS "${as}Approx"`]

/** The row field an expression of a select list yields: its alias, or the bare column. */
const fieldOf = (expression: string) => /(?:\bAS\s+"?(\w+)"?|^(\w+))$/i.exec(expression.trim())!.slice(1).find(Boolean)!

/**
 * A list spec over one result table: columns named like their fields unless `columns` says otherwise; the select
 * list one expression per row field, so a page reads only the fields a query selects.
 */
function resultList(
  from: string,
  select: Array<string | string[]>,
  fields: FieldSpecs,
  columns: Record<string, string> = {},
): DuckListSpec {
  const cols: Record<string, string> = {}
  for (const f of Object.keys(fields)) cols[f] = columns[f] ?? f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
  const expressions = select.flat()
  return {
    from,
    select: expressions.join(', '),
    selectFields: Object.fromEntries(expressions.map((e) => [fieldOf(e), e])),
    fields: { seq: { type: 'bigint', sortable: true }, ts: { type: 'timestamp', sortable: true }, ...fields },
    columns: { seq: 'seq', ts: 'ts', ...cols },
    id: 'seq',
    defaultOrder: [{ field: 'seq', direction: 'ASC' }],
  }
}

const str = { type: 'string', sortable: true } as const
const optionalStr = { type: 'string' } as const
const dec = { type: 'decimal', sortable: true } as const
const dbl = { type: 'double', sortable: true } as const
const oneOf = (values: readonly string[]) => ({ type: 'enum', values, sortable: true }) as const

/** Each table's filterable fields and select list. */
const LIST_SPECS = {
  liquidations: resultList(
    'backtest_liquidations',
    [
      'seq::DOUBLE AS seq',
      'ts',
      'account',
      'market',
      'side',
      'kind',
      'qty',
      'trigger_mark AS "triggerMark"',
      'liquidation_price AS "liquidationPrice"',
      'bankruptcy_price AS "bankruptcyPrice"',
      'fill_price AS "fillPrice"',
      'market_price AS "marketPrice"',
      exact('notional', 'notional'),
      exact('fee', 'fee'),
      exact('equity', 'equity'),
      exact('slippage', 'slippage'),
      exact('surplus_to_fund', 'surplusToFund'),
      exact('returned', 'returned'),
      exact('shortfall', 'shortfall'),
    ],
    {
      account: str,
      market: str,
      side: oneOf(SIDES),
      kind: oneOf(LIQUIDATION_KINDS),
      qty: dbl,
      triggerMark: dbl,
      notional: dec,
      fee: dec,
      equity: dec,
      shortfall: dec,
    },
  ),
  deficits: resultList(
    'backtest_deficits',
    [
      'seq::DOUBLE AS seq',
      'ts',
      'account',
      'market',
      'liquidation_seq::DOUBLE AS "liquidationSeq"',
      'kind',
      exact('shortfall', 'shortfall'),
      'covered_by_fund::VARCHAR AS "coveredByFund"',
      'covered_by_fee_pool::VARCHAR AS "coveredByFeePool"',
      'covered_by_adl::VARCHAR AS "coveredByAdl"',
      'socialized::VARCHAR AS socialized',
      exact('uncovered', 'uncovered'),
    ],
    {
      account: str,
      market: str,
      kind: oneOf(DEFICIT_KINDS),
      shortfall: dec,
      coveredByFund: dec,
      coveredByAdl: dec,
      socialized: dec,
      uncovered: dec,
    },
  ),
  fundMovements: resultList(
    'backtest_fund_series',
    [
      'seq::DOUBLE AS seq',
      'ts',
      'fund',
      'market',
      'reason',
      exact('delta', 'delta'),
      exact('balance', 'balance'),
      'liquidation_seq::DOUBLE AS "liquidationSeq"',
    ],
    { fund: str, market: optionalStr, reason: oneOf(FUND_REASONS), delta: dec, balance: dec },
  ),
  adlFills: resultList(
    'backtest_adl_fills',
    [
      'seq::DOUBLE AS seq',
      'ts',
      'market',
      'liquidation_seq::DOUBLE AS "liquidationSeq"',
      'account',
      'side',
      'qty',
      'fill_price AS "fillPrice"',
      'mark',
      'rank',
      'score',
      exact('realized_pnl', 'realizedPnl'),
      exact('haircut', 'haircut'),
      exact('covered_shortfall', 'coveredShortfall'),
    ],
    {
      market: str,
      account: str,
      side: oneOf(SIDES),
      qty: dbl,
      rank: { type: 'bigint', sortable: true },
      realizedPnl: dec,
      haircut: dec,
      coveredShortfall: dec,
    },
  ),
  socialLosses: resultList(
    'backtest_social_losses',
    [
      'seq::DOUBLE AS seq',
      'ts',
      'market',
      'liquidation_seq::DOUBLE AS "liquidationSeq"',
      exact('amount', 'amount'),
      'per_base_unit AS "perBaseUnit"',
      'total_base AS "totalBase"',
      'positions',
    ],
    { market: str, amount: dec, positions: { type: 'bigint', sortable: true } },
  ),
  guardrailTriggers: resultList(
    'backtest_guardrail_triggers',
    ['seq::DOUBLE AS seq', 'ts', 'market', 'kind', 'action', 'value', 'threshold', 'account'],
    { market: optionalStr, kind: oneOf(GUARDRAIL_KINDS), action: oneOf(GUARDRAIL_ACTIONS), account: optionalStr },
  ),
} satisfies Record<string, DuckListSpec>

export interface ResultRows {
  liquidations: LiquidationRow
  deficits: DeficitRow
  fundMovements: FundMovementRow
  adlFills: AdlFillRow
  socialLosses: SocialLossRow
  guardrailTriggers: GuardrailTriggerRow
}

export type ResultList = keyof ResultRows

/** An exact amount's columns: its decimal text and its Float twin. */
const amount = <F extends string>(field: F) =>
  ({ [field]: 'text', [`${field}Approx`]: 'double' }) as Record<F, 'text'> & Record<`${F}Approx`, 'double'>

/** The columns each list's select returns (checked against the result before rows are read). */
const RESULT_COLUMNS: { [L in ResultList]: ColumnsOf<ResultRows[L]> } = {
  liquidations: {
    seq: 'double',
    ts: 'timestamp',
    account: 'text',
    market: 'text',
    side: column(SIDES),
    kind: column(LIQUIDATION_KINDS),
    qty: 'double',
    triggerMark: 'double',
    liquidationPrice: 'double?',
    bankruptcyPrice: 'double?',
    fillPrice: 'double',
    marketPrice: 'double',
    ...amount('notional'),
    ...amount('fee'),
    ...amount('equity'),
    ...amount('slippage'),
    ...amount('surplusToFund'),
    ...amount('returned'),
    ...amount('shortfall'),
  },
  deficits: {
    seq: 'double',
    ts: 'timestamp',
    account: 'text',
    market: 'text',
    liquidationSeq: 'double?',
    kind: column(DEFICIT_KINDS),
    ...amount('shortfall'),
    coveredByFund: 'text',
    coveredByFeePool: 'text',
    coveredByAdl: 'text',
    socialized: 'text',
    ...amount('uncovered'),
  },
  fundMovements: {
    seq: 'double',
    ts: 'timestamp',
    fund: 'text',
    market: 'text?',
    reason: column(FUND_REASONS),
    ...amount('delta'),
    ...amount('balance'),
    liquidationSeq: 'double?',
  },
  adlFills: {
    seq: 'double',
    ts: 'timestamp',
    market: 'text',
    liquidationSeq: 'double?',
    account: 'text',
    side: column(SIDES),
    qty: 'double',
    fillPrice: 'double',
    mark: 'double',
    rank: 'int',
    score: 'double?',
    ...amount('realizedPnl'),
    ...amount('haircut'),
    ...amount('coveredShortfall'),
  },
  socialLosses: {
    seq: 'double',
    ts: 'timestamp',
    market: 'text',
    liquidationSeq: 'double',
    ...amount('amount'),
    perBaseUnit: 'double',
    totalBase: 'double',
    positions: 'int',
  },
  guardrailTriggers: {
    seq: 'double',
    ts: 'timestamp',
    market: 'text?',
    kind: column(GUARDRAIL_KINDS),
    action: column(GUARDRAIL_ACTIONS),
    value: 'double?',
    threshold: 'double?',
    account: 'text?',
  },
}

/** A table's list: its spec and the declaration of its rows. */
const withRows = <L extends ResultList>(list: L): DuckRowList<ResultRows[L]> => ({
  ...LIST_SPECS[list],
  name: list,
  row: RESULT_COLUMNS[list],
})

/** The result tables as lists, each with its rows' declaration. */
export const RESULT_LISTS: { [L in ResultList]: DuckRowList<ResultRows[L]> } = {
  liquidations: withRows('liquidations'),
  deficits: withRows('deficits'),
  fundMovements: withRows('fundMovements'),
  adlFills: withRows('adlFills'),
  socialLosses: withRows('socialLosses'),
  guardrailTriggers: withRows('guardrailTriggers'),
}

/** Both stores: the run's status decides whether its rows may be read. */
export interface ResultStores {
  duck: DuckStore
  meta: MetaClient
}

/**
 * One page of a run's rows of one table. NOT_FOUND for an unknown run, CONFLICT unless it succeeded (a partial
 * result is never served), BAD_USER_INPUT for a filter, order or cursor that does not fit the table.
 */
export async function readResultList<L extends ResultList>(
  stores: ResultStores,
  list: L,
  runId: string,
  query: ListQuery,
): Promise<ListPage<ResultRows[L]>> {
  await requireSucceededRun(stores.meta, runId)
  return readDuckList(stores.duck, RESULT_LISTS[list], { sql: 'run_id = $1', params: [runId] }, query)
}

/** The first rows of a run by offset: the deprecated flat lists (backtestLiquidations(limit, offset), …). */
export async function readResultOffset<L extends ResultList>(
  stores: ResultStores,
  list: L,
  runId: string,
  page: { limit: number; offset: number },
): Promise<Array<ResultRows[L]>> {
  await requireSucceededRun(stores.meta, runId)
  const spec = RESULT_LISTS[list]
  return stores.duck.use(async (c) =>
    readRows<ResultRows[L]>(
      await c.runAndReadAll(
        `SELECT ${spec.select} FROM ${spec.from} WHERE run_id = $1 ORDER BY seq LIMIT $2 OFFSET $3`,
        [runId, page.limit, page.offset],
      ),
      spec.row,
      `${list} rows`,
    ),
  )
}
