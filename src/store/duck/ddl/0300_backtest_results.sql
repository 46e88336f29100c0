-- Replay engine outputs, one set of rows per backtest run (run_id = BacktestRun.id in the metadata store).
--
-- Conventions (see ARCHITECTURE.md, "Numeric policy"):
--   * Settled amounts (fees, equity, slippage, fund flows, shortfalls, ADL cover, socialized loss) are exact
--     DECIMAL(38, 6): the engine's integer micro-units of the quote currency, written without rounding.
--   * Prices and quantities are DOUBLE, as the engine computes them (binary64 in the hot path).
--   * seq numbers rows per run and table in the order the engine produced them; (run_id, seq) is unique.
--   * Accounts are the venue's ids for account replays and explicit positions, syn-<n> for synthetic positions.

CREATE TABLE IF NOT EXISTS backtest_liquidations (
  run_id            VARCHAR NOT NULL,
  seq               BIGINT NOT NULL,
  ts                TIMESTAMP NOT NULL,
  account           VARCHAR NOT NULL,
  market            VARCHAR NOT NULL,
  side              VARCHAR NOT NULL,      -- long | short (the liquidated position)
  kind              VARCHAR NOT NULL,      -- full | partial | takeover | backstop | deleveraged
  qty               DOUBLE NOT NULL,       -- base units closed
  notional          DECIMAL(38, 6) NOT NULL, -- qty × trigger mark
  trigger_mark      DOUBLE NOT NULL,       -- mark at which the trigger was crossed
  liquidation_price DOUBLE,                -- the position's liquidation price at that moment
  bankruptcy_price  DOUBLE,
  fill_price        DOUBLE NOT NULL,       -- price the trader left at (bankruptcy price for takeovers)
  market_price      DOUBLE NOT NULL,       -- price the market close executed at (after slippage)
  fee               DECIMAL(38, 6) NOT NULL,
  fee_to_fund       DECIMAL(38, 6) NOT NULL,
  equity            DECIMAL(38, 6) NOT NULL, -- collateral + unrealized PnL at the trigger mark
  slippage          DECIMAL(38, 6) NOT NULL, -- lost to the market between trigger mark and market price
  surplus_to_fund   DECIMAL(38, 6) NOT NULL, -- what a takeover leaves to the fund
  returned          DECIMAL(38, 6) NOT NULL, -- back to the trader (partial: kept by the position, may be < 0)
  shortfall         DECIMAL(38, 6) NOT NULL  -- loss beyond the collateral, passed to the waterfall
);

CREATE TABLE IF NOT EXISTS backtest_deficits (
  run_id              VARCHAR NOT NULL,
  seq                 BIGINT NOT NULL,
  ts                  TIMESTAMP NOT NULL,
  account             VARCHAR NOT NULL,
  market              VARCHAR NOT NULL,
  liquidation_seq     BIGINT,               -- NULL for a negative balance recorded while liquidations were paused
  kind                VARCHAR NOT NULL,     -- shortfall | negativeEquity
  shortfall           DECIMAL(38, 6) NOT NULL,
  covered_by_fund     DECIMAL(38, 6) NOT NULL,
  covered_by_fee_pool DECIMAL(38, 6) NOT NULL,
  covered_by_adl      DECIMAL(38, 6) NOT NULL,
  socialized          DECIMAL(38, 6) NOT NULL,
  uncovered           DECIMAL(38, 6) NOT NULL  -- bad debt left after the waterfall
);

CREATE TABLE IF NOT EXISTS backtest_fund_series (
  run_id          VARCHAR NOT NULL,
  seq             BIGINT NOT NULL,
  ts              TIMESTAMP NOT NULL,
  fund            VARCHAR NOT NULL,         -- pooled, or the market of a separate / per-market fund
  market          VARCHAR,                  -- market of the movement (NULL for the initial balance)
  reason          VARCHAR NOT NULL,         -- initial | fee | surplus | payout
  delta           DECIMAL(38, 6) NOT NULL,
  balance         DECIMAL(38, 6) NOT NULL,
  liquidation_seq BIGINT
);

CREATE TABLE IF NOT EXISTS backtest_adl_fills (
  run_id            VARCHAR NOT NULL,
  seq               BIGINT NOT NULL,
  ts                TIMESTAMP NOT NULL,
  market            VARCHAR NOT NULL,
  liquidation_seq   BIGINT,                 -- NULL for profit deleveraging (PnL-to-pool factor)
  account           VARCHAR NOT NULL,       -- the counterparty closed
  side              VARCHAR NOT NULL,
  qty               DOUBLE NOT NULL,
  fill_price        DOUBLE NOT NULL,
  mark              DOUBLE NOT NULL,
  rank              INTEGER NOT NULL,       -- 1 = first counterparty taken
  score             DOUBLE,                 -- ranking score (NULL for a random start)
  realized_pnl      DECIMAL(38, 6) NOT NULL,
  haircut           DECIMAL(38, 6) NOT NULL, -- profit forgone against the mark
  covered_shortfall DECIMAL(38, 6) NOT NULL
);

CREATE TABLE IF NOT EXISTS backtest_social_losses (
  run_id          VARCHAR NOT NULL,
  seq             BIGINT NOT NULL,
  ts              TIMESTAMP NOT NULL,
  market          VARCHAR NOT NULL,
  liquidation_seq BIGINT NOT NULL,
  amount          DECIMAL(38, 6) NOT NULL,
  per_base_unit   DOUBLE NOT NULL,          -- Δ cumulative funding charged per unit of |base|
  total_base      DOUBLE NOT NULL,
  positions       INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS backtest_guardrail_triggers (
  run_id    VARCHAR NOT NULL,
  seq       BIGINT NOT NULL,
  ts        TIMESTAMP NOT NULL,
  market    VARCHAR,
  kind      VARCHAR NOT NULL,  -- priceBand | circuitBreaker | markCap | oiCap | withdrawalGating | takeoverNotionalCap | fillRejected
  action    VARCHAR NOT NULL,  -- pauseLiquidations | resumeLiquidations | capMark | refuse | skipFund | retry
  value     DOUBLE,
  threshold DOUBLE,
  account   VARCHAR
);
