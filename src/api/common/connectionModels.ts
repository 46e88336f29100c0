// The parent types codegen maps each connection to (codegen.ts `mappers`): a page of store rows.
import type { DetectionRow, IncidentRow } from '../../store/detect/detectionLists.ts'
import type { DatasetCoverage } from '../../store/market/coverage.ts'
import type { AccountSummary, MarketSummary } from '../../store/market/markets.ts'
import type { ListedApiKey } from '../../store/meta/apiKeys.ts'
import type { StoredBacktestRun } from '../../store/meta/backtestRuns.ts'
import type { StoredRuleSet } from '../../store/meta/ruleSets.ts'
import type { RuleSetVersion } from '../../store/meta/generated/client.ts'
import type { StoredRun } from '../../store/meta/runs.ts'
import type {
  AdlFillRow,
  DeficitRow,
  FundMovementRow,
  GuardrailTriggerRow,
  LiquidationRow,
  SocialLossRow,
} from '../../store/results/resultLists.ts'
import type { ConnectionModel } from './pagination.ts'

export type LiquidationConnectionModel = ConnectionModel<LiquidationRow>
export type DeficitConnectionModel = ConnectionModel<DeficitRow>
export type FundMovementConnectionModel = ConnectionModel<FundMovementRow>
export type AdlFillConnectionModel = ConnectionModel<AdlFillRow>
export type SocialLossConnectionModel = ConnectionModel<SocialLossRow>
export type GuardrailTriggerConnectionModel = ConnectionModel<GuardrailTriggerRow>
export type RunConnectionModel = ConnectionModel<StoredRun>
export type BacktestRunConnectionModel = ConnectionModel<StoredBacktestRun>
export type MarketConnectionModel = ConnectionModel<MarketSummary>
export type DetectionConnectionModel = ConnectionModel<DetectionRow>
export type IncidentConnectionModel = ConnectionModel<IncidentRow>
export type AccountConnectionModel = ConnectionModel<AccountSummary>
export type DatasetCoverageConnectionModel = ConnectionModel<DatasetCoverage>
export type RuleSetConnectionModel = ConnectionModel<StoredRuleSet>
export type RuleSetVersionConnectionModel = ConnectionModel<RuleSetVersion>
export type ApiKeyConnectionModel = ConnectionModel<ListedApiKey>
