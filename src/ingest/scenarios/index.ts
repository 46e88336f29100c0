// The scenario library: deterministic generated markets under venue `synthetic`, each modelled on a documented
// incident (or a calm control), loaded as a source through the store's partition loader, with ground truth.
//
// Public API (stable: detectors' tests, the eval harness, the CLI and the first-start demo build on it)
//
//   listScenarios(): ScenarioInfo[]
//       name, one-line description, the incident it is modelled on, the detectors that must fire (`patterns`,
//       ids of src/domain/detection.ts; empty for calm controls), those that may also fire in the attack window because
//       the incident's documented signals include them (`secondaryPatterns`) and the markets it writes.
//   loadScenario(stores, name, { seed = 1, force = false, tmpDir? }): Promise<LoadScenarioResult>
//       `stores` is anything with `duck: DuckStore` (a Runtime fits). Generates the seed's data on a worker thread
//       (the event loop stays free), loads one partition per (table, market), then writes the truth row. Same seed
//       with unchanged data already loaded → status 'skipped' (nothing written); `force` reloads. Another seed of the
//       same scenario replaces the loaded copy (market names carry no seed, so one copy per scenario at a time). A
//       failed load removes the scenario.
//       Unknown name or a seed outside 0…2^32−1 → InvalidInputError listing what is valid; nothing written.
//   removeScenario(stores, name | 'all'): Promise<{ copies, partitions, rows }>
//       Deletes the copy's partitions (rows, derived bars, trade parts, holes, manifest) and truth, in one transaction.
//   readScenarioTruth(duckStore, { scenario?, seed? }): Promise<ScenarioRecord[]>
//       ScenarioTruth (src/domain/scenario.ts) + details (attack parameters drawn for the seed), dataHash,
//       partitionIds, rows. Also importable from src/store/scenarios/scenarioTruth.ts (for layers that may not
//       import ingest, e.g. src/detect).
//   loadedScenarios(stores, name?): Promise<ScenarioRecord[]>
//       The truth rows of what is loaded (all scenarios, or one), after checking the name.
//   generateScenario(name, seed): GeneratedScenario
//       The same data in memory (tables as CSV text, truth, details, dataHash), without a store.
//   SCENARIOS, scenarioNames(), scenarioByName(name): the registry (scenarioByName throws InvalidInputError).
//
// Data conventions
//   * Venue `synthetic` always. Partition key: source 'scenario', dataset = table, market = the rows' market (the
//     ledger, which has no market column, uses the scenario's main market), period '<scenario>@<seed>'.
//   * Times are fixed per scenario (an anchor date in 2024–2025); every row lies in the truth's [from, to). Ledger
//     funding of ordinary accounts starts up to 36 h before the first trade.
//   * A reference venue `R` whose price feeds market `M` publishes `prices` rows on `M` with source `R` (kind index);
//     its own trades, when generated, are market `M@R`; other venues' funding for the same asset is market `M@R` too.
//     `synthetic-index` is the median of the references (kind index), `synthetic-oracle` the venue's oracle (kind
//     oracle) and `synthetic` the venue's own mark / premium.
//   * Accounts are address-like ids (`0x` + 40 hex) whatever their role; attackers are not named as such. System
//     accounts: `backstop-vault` (the venue's liquidation takeover account) and `liquidity-pool` (the counterparty of
//     every fill on the oracle-priced venues AVAX-GMX-PERP and ORACLE-FR-PERP, whose trades print at the oracle).
//     Ordinary accounts are often funded from a shared exchange hot wallet (ledger deposits with the same
//     counterparty funding hundreds of unrelated accounts), as in real life.
//   * Fills: both sides of a trade carry the trade's id (ETH-WHALE-PERP publishes fills only for the whale, the
//     backstop, large decoys and a sample of traders, like a per-account feed); liquidated sides have liquidation =
//     true. Liquidation rows carry the trade id they printed (none for ADL) and the account where the venue names it.
//   * Funding: 8-hour rate = P + clamp(0.01 % − P, ±0.05 %), an h-hour interval pays h/8 of it. FUNDING-SQZ-PERP
//     samples its premium only over the last 15 minutes of each hour (details.sampleMinutes). The oracle-priced venues
//     (AVAX-GMX-PERP, ORACLE-FR-PERP) publish no funding, mark or premium: their oracle is the price.
//   * `details` of a truth row: the attack parameters drawn for the seed (pump factor, sizes, times, counts).
//   * Margin on the synthetic venue (for maintenance checks): Hyperliquid-style, maintenance = ½ × initial margin at
//     the market's maximum leverage, see `SYNTHETIC_MAX_LEVERAGE` in src/domain/syntheticVenue.ts.
export type { ScenarioDefinition, AttackDetails } from './definition.ts'
export { generateScenario, MAX_SEED, type GeneratedScenario } from './generate.ts'
export { SCENARIO_SOURCE, scenarioPeriod } from './output.ts'
export { SCENARIOS, scenarioByName, scenarioNames } from './registry.ts'
export {
  DEFAULT_SEED,
  loadScenario,
  loadedScenarios,
  readScenarioTruth,
  removeScenario,
  type LoadScenarioOptions,
  type LoadScenarioResult,
  type LoadedPartition,
  type ScenarioRecord,
  type ScenarioStores,
} from '../scenarioLoader.ts'

import { SCENARIOS } from './registry.ts'

export interface ScenarioInfo {
  name: string
  description: string
  incident: string
  patterns: string[]
  /** Detectors that may also fire in the attack window (a documented signal of the incident), not required. */
  secondaryPatterns: string[]
  markets: string[]
}

/** Every scenario in the library, in a fixed order (attacks first, then the calm controls). */
export function listScenarios(): ScenarioInfo[] {
  return SCENARIOS.map((s) => ({
    name: s.name,
    description: s.description,
    incident: s.incident,
    patterns: [...s.patterns],
    secondaryPatterns: [...(s.secondaryPatterns ?? [])],
    markets: [...s.markets],
  }))
}
