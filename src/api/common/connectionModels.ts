// The parent types codegen maps each connection to (codegen.ts `mappers`): a page of store rows.
import type { DetectionRow, IncidentRow } from '../../store/detect/detectionLists.ts'
import type { MarketSummary } from '../../store/market/markets.ts'
import type { StoredBacktestRun } from '../../store/meta/backtestRuns.ts'
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
