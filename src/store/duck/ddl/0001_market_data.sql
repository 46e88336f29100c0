-- Normalized market data and the partition manifest.
--
-- Conventions (see ARCHITECTURE.md):
--   * ts is TIMESTAMP holding UTC with microsecond precision (DuckDB stores it as int64 µs since the epoch).
--   * Market data (trades, bars, prices, funding, open interest) is DOUBLE: the value parsed from the source
--     as the nearest binary64, which the replay engine computes with. Account-level money (fills, ledger,
--     observed liquidations) is DECIMAL(38,18) and stays exact.
--   * Every row keeps venue, market and the partition it was loaded with; a partition is loaded or replaced
--     atomically together with its manifest row, so rows never outlive or duplicate their partition.
--   * Sides: trades/fills carry the taker/fill side ('buy' | 'sell'); liquidations carry the side of the
--     liquidated position ('long' | 'short'), whatever convention the source used.

CREATE TABLE IF NOT EXISTS partitions (
  partition_id VARCHAR PRIMARY KEY,   -- source/dataset/market/period
  source       VARCHAR NOT NULL,      -- connector: binance-um, bybit, tardis, file, hyperliquid, dydx, pyth, chainlink
  dataset      VARCHAR NOT NULL,      -- source dataset name, e.g. aggTrades, fundingRate, markPriceKlines
  venue        VARCHAR NOT NULL,
  market       VARCHAR NOT NULL,
  period       VARCHAR NOT NULL,      -- YYYY-MM-DD (daily) or YYYY-MM (monthly), or another source-defined key
  target_table VARCHAR NOT NULL,
  status       VARCHAR NOT NULL,      -- loaded | missing (the source has no file for the period: a recorded gap)
  file         VARCHAR,               -- source file name or URL
  checksum     VARCHAR,               -- upstream checksum (sha256 hex) of the file that was loaded
  rows         BIGINT NOT NULL,
  min_ts       TIMESTAMP,
  max_ts       TIMESTAMP,
  loaded_at    TIMESTAMP NOT NULL,
  job_run_id   VARCHAR
);

CREATE TABLE IF NOT EXISTS trades (
  venue        VARCHAR NOT NULL,
  market       VARCHAR NOT NULL,
  ts           TIMESTAMP NOT NULL,
  price        DOUBLE NOT NULL,
  qty          DOUBLE NOT NULL,
  side         VARCHAR,               -- taker side: buy | sell (NULL when the source does not say)
  trade_id     VARCHAR,
  partition_id VARCHAR NOT NULL
);

-- Trade-price bars: exchange klines, or bars derived from trades at ingest (so wicks inside a bar still count).
CREATE TABLE IF NOT EXISTS bars (
  venue            VARCHAR NOT NULL,
  market           VARCHAR NOT NULL,
  ts               TIMESTAMP NOT NULL,  -- bar open time
  interval_s       INTEGER NOT NULL,
  open             DOUBLE NOT NULL,
  high             DOUBLE NOT NULL,
  low              DOUBLE NOT NULL,
  close            DOUBLE NOT NULL,
  volume           DOUBLE,              -- base quantity
  quote_volume     DOUBLE,
  trades           BIGINT,
  taker_buy_volume DOUBLE,
  vwap             DOUBLE,
  source           VARCHAR NOT NULL,    -- klines | trades (derived)
  partition_id     VARCHAR NOT NULL
);

-- Reference prices: mark, index, oracle, last, premium. Bar sources fill open/high/low; ticks leave them NULL.
CREATE TABLE IF NOT EXISTS prices (
  venue        VARCHAR NOT NULL,
  market       VARCHAR NOT NULL,
  ts           TIMESTAMP NOT NULL,
  kind         VARCHAR NOT NULL,      -- mark | index | oracle | last | premium
  source       VARCHAR NOT NULL,      -- e.g. binance-um, pyth, chainlink
  price        DOUBLE NOT NULL,       -- close of the bar, or the tick value
  open         DOUBLE,
  high         DOUBLE,
  low          DOUBLE,
  interval_s   INTEGER,               -- bar length; NULL for ticks
  confidence   DOUBLE,                -- oracle confidence interval where published (Pyth)
  partition_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS funding (
  venue        VARCHAR NOT NULL,
  market       VARCHAR NOT NULL,
  ts           TIMESTAMP NOT NULL,    -- settlement time as published (may carry ms jitter)
  rate         DOUBLE NOT NULL,       -- fraction per interval (0.0001 = 0.01 %)
  interval_h   INTEGER,
  mark_price   DOUBLE,                -- price used for the payment, where the source gives it
  partition_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS open_interest (
  venue        VARCHAR NOT NULL,
  market       VARCHAR NOT NULL,
  ts           TIMESTAMP NOT NULL,
  oi_base      DOUBLE,
  oi_quote     DOUBLE,
  partition_id VARCHAR NOT NULL
);

-- Liquidations and ADL as observed at the venue (not the replay's own output).
CREATE TABLE IF NOT EXISTS liquidations (
  venue        VARCHAR NOT NULL,
  market       VARCHAR NOT NULL,
  ts           TIMESTAMP NOT NULL,
  side         VARCHAR NOT NULL,      -- side of the liquidated position: long | short
  price        DECIMAL(38, 18) NOT NULL,
  qty          DECIMAL(38, 18) NOT NULL,
  kind         VARCHAR NOT NULL DEFAULT 'liquidation', -- liquidation | adl
  account      VARCHAR,               -- liquidated account where the venue publishes it
  trade_id     VARCHAR,
  source       VARCHAR NOT NULL,
  partition_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS fills (
  venue          VARCHAR NOT NULL,
  market         VARCHAR NOT NULL,
  ts             TIMESTAMP NOT NULL,
  account        VARCHAR NOT NULL,    -- exactly as the venue gives it (address, address/subaccount, …)
  side           VARCHAR NOT NULL,    -- buy | sell
  price          DECIMAL(38, 18) NOT NULL,
  qty            DECIMAL(38, 18) NOT NULL,
  fee            DECIMAL(38, 18) NOT NULL DEFAULT 0,
  fee_asset      VARCHAR,
  liquidation    BOOLEAN NOT NULL DEFAULT false,
  liquidity      VARCHAR,             -- maker | taker
  closed_pnl     DECIMAL(38, 18),
  start_position DECIMAL(38, 18),
  dir            VARCHAR,             -- venue's direction label, e.g. "Open Long", "Liquidated Cross Long"
  trade_id       VARCHAR,
  order_id       VARCHAR,
  partition_id   VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ledger (
  venue        VARCHAR NOT NULL,
  ts           TIMESTAMP NOT NULL,
  account      VARCHAR NOT NULL,
  delta_quote  DECIMAL(38, 18) NOT NULL, -- deposits +, withdrawals −
  kind         VARCHAR NOT NULL,      -- deposit | withdrawal | transfer | funding | fee | other
  asset        VARCHAR,
  counterparty VARCHAR,               -- other account of a transfer: a linked-account hint for detectors
  tx_id        VARCHAR,
  partition_id VARCHAR NOT NULL
);
