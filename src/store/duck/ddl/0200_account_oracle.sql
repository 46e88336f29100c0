-- Account-level and oracle data beyond 0001's normalized tables (Hyperliquid, dYdX v4, Pyth, Chainlink).
--
-- Columns added to 0001's tables are nullable, so readers written against 0001 keep working unchanged.
--   * extra: the venue's fields that have no normalized column, as a JSON object text, so nothing published is
--     dropped (Hyperliquid fill twapId / cloid / builderFee / liquidation object, dYdX fill type / clientMetadata,
--     funding payment szi / fundingRate / nSamples, …). NULL when every field has a column.

ALTER TABLE fills ADD COLUMN tx_id VARCHAR;                 -- transaction hash where the venue gives one
ALTER TABLE fills ADD COLUMN extra VARCHAR;
ALTER TABLE ledger ADD COLUMN market VARCHAR;               -- market of a funding payment; NULL for money movements
ALTER TABLE ledger ADD COLUMN extra VARCHAR;
ALTER TABLE liquidations ADD COLUMN mark_price DECIMAL(38, 18); -- venue mark price at the liquidation, where given
ALTER TABLE liquidations ADD COLUMN extra VARCHAR;

-- An account's margin state as the venue reported it at one instant (Hyperliquid clearinghouseState), for
-- reconciling the replay's own equity and margin with the venue's.
CREATE TABLE IF NOT EXISTS account_states (
  venue                         VARCHAR NOT NULL,
  account                       VARCHAR NOT NULL,
  ts                            TIMESTAMP NOT NULL,   -- the venue's snapshot time, else when it was fetched
  account_value                 DECIMAL(38, 18),      -- marginSummary
  total_margin_used             DECIMAL(38, 18),
  total_ntl_pos                 DECIMAL(38, 18),
  total_raw_usd                 DECIMAL(38, 18),
  cross_account_value           DECIMAL(38, 18),      -- crossMarginSummary
  cross_margin_used             DECIMAL(38, 18),
  cross_ntl_pos                 DECIMAL(38, 18),
  cross_raw_usd                 DECIMAL(38, 18),
  cross_maintenance_margin_used DECIMAL(38, 18),
  withdrawable                  DECIMAL(38, 18),
  extra                         VARCHAR,
  partition_id                  VARCHAR NOT NULL
);

-- The positions of one snapshot: one row per open position.
CREATE TABLE IF NOT EXISTS account_positions (
  venue             VARCHAR NOT NULL,
  account           VARCHAR NOT NULL,
  ts                TIMESTAMP NOT NULL,
  market            VARCHAR NOT NULL,
  size              DECIMAL(38, 18) NOT NULL,          -- signed: + long, − short (szi)
  entry_price       DECIMAL(38, 18),
  position_value    DECIMAL(38, 18),
  unrealized_pnl    DECIMAL(38, 18),
  return_on_equity  DECIMAL(38, 18),
  liquidation_price DECIMAL(38, 18),                   -- NULL when the venue reports none
  margin_used       DECIMAL(38, 18),
  leverage_type     VARCHAR,                           -- cross | isolated
  leverage          DECIMAL(38, 18),
  extra             VARCHAR,
  partition_id      VARCHAR NOT NULL
);

-- Oracle rounds exactly as the aggregator published them (Chainlink getRoundData); `prices` holds the same updates
-- as kind 'oracle' for the replay.
CREATE TABLE IF NOT EXISTS oracle_rounds (
  venue             VARCHAR NOT NULL,                  -- chainlink
  market            VARCHAR NOT NULL,                  -- feed: the proxy address, lower case
  ts                TIMESTAMP NOT NULL,                -- updatedAt
  round_id          HUGEINT NOT NULL,                  -- proxy round id = phase << 64 | aggregator round
  phase             INTEGER NOT NULL,
  aggregator_round  HUGEINT NOT NULL,
  answer            HUGEINT NOT NULL,                  -- raw integer answer
  decimals          INTEGER NOT NULL,
  price             DECIMAL(38, 18) NOT NULL,          -- answer / 10^decimals, exact
  started_at        TIMESTAMP,
  answered_in_round HUGEINT,
  partition_id      VARCHAR NOT NULL
);

-- Linked-account hints for the detectors, derived from what the ledger and fills hold (identities as the venue
-- gives them; nothing is merged):
--   transfer             the two accounts moved money between each other (via = NULL)
--   same-funding-source  both accounts were funded (deposit or transfer in) from `via`
--   same-owner           dYdX subaccounts of one address (account = address/subaccountNumber)
-- events, first_ts, last_ts and amount describe `account`'s own ledger rows behind the link.
CREATE OR REPLACE VIEW account_links AS
WITH transfers AS (
  SELECT venue, account, counterparty, ts, abs(delta_quote) AS amount
    FROM ledger WHERE counterparty IS NOT NULL AND kind = 'transfer'
),
funded AS (
  SELECT venue, account, counterparty, count(*) AS events, min(ts) AS first_ts, max(ts) AS last_ts,
         sum(delta_quote) AS amount
    FROM ledger
   WHERE counterparty IS NOT NULL AND kind IN ('deposit', 'transfer') AND delta_quote > 0 AND counterparty <> account
   GROUP BY venue, account, counterparty
),
accounts AS (
  SELECT DISTINCT venue, account FROM fills WHERE venue = 'dydx'
  UNION
  SELECT DISTINCT venue, account FROM ledger WHERE venue = 'dydx'
)
SELECT venue, account, counterparty AS linked_account, 'transfer' AS reason, CAST(NULL AS VARCHAR) AS via,
       count(*) AS events, min(ts) AS first_ts, max(ts) AS last_ts, sum(amount) AS amount
  FROM transfers GROUP BY venue, account, counterparty
UNION ALL
SELECT a.venue, a.account, b.account, 'same-funding-source', a.counterparty, a.events, a.first_ts, a.last_ts, a.amount
  FROM funded a JOIN funded b
    ON a.venue = b.venue AND a.counterparty = b.counterparty AND a.account <> b.account
UNION ALL
SELECT a.venue, a.account, b.account, 'same-owner', split_part(a.account, '/', 1),
       0, CAST(NULL AS TIMESTAMP), CAST(NULL AS TIMESTAMP), CAST(NULL AS DECIMAL(38, 18))
  FROM accounts a JOIN accounts b
    ON a.venue = b.venue AND a.account <> b.account AND split_part(a.account, '/', 1) = split_part(b.account, '/', 1);
