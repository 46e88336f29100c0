// GraphQL Code Generator config: resolver types generated from the schema.graphql contract.
import type { CodegenConfig } from '@graphql-codegen/cli'

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'src/api/generated/resolvers-types.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        contextType: '../context.ts#ApiContext',
        enumsAsTypes: true,
        useIndexSignature: true,
        scalars: {
          DateTime: 'Date | string',
          Decimal: 'string',
          SafeInt: 'number',
          JSON: 'unknown',
          JSONObject: 'Record<string, unknown>',
        },
        mapperTypeSuffix: 'Model',
        // Resolvers may return these store types; field resolvers fill in the rest.
        mappers: {
          RuleSet: '../../store/meta/ruleSets.ts#StoredRuleSet',
          RuleSetVersion: '../../store/meta/generated/client.ts#RuleSetVersion',
          BacktestRun: '../../store/meta/backtestRuns.ts#StoredBacktestRun',
          Report: '../../store/meta/reports.ts#StoredReport',
          BacktestSchedule: '../../store/meta/schedules.ts#StoredSchedule',
          Run: '../../store/meta/runs.ts#StoredRun',
          ApiKey: '../../store/meta/apiKeys.ts#ListedApiKey',
          RunProgress: '../subscriptions/runProgressModel.ts#RunProgressModel',
          BacktestLiquidation: '../../store/results/resultLists.ts#LiquidationRow',
          BacktestDeficit: '../../store/results/resultLists.ts#DeficitRow',
          FundMovement: '../../store/results/resultLists.ts#FundMovementRow',
          AdlFill: '../../store/results/resultLists.ts#AdlFillRow',
          SocialLoss: '../../store/results/resultLists.ts#SocialLossRow',
          GuardrailTrigger: '../../store/results/resultLists.ts#GuardrailTriggerRow',
          BacktestLiquidationConnection: '../common/connectionModels.ts#LiquidationConnectionModel',
          BacktestDeficitConnection: '../common/connectionModels.ts#DeficitConnectionModel',
          FundMovementConnection: '../common/connectionModels.ts#FundMovementConnectionModel',
          AdlFillConnection: '../common/connectionModels.ts#AdlFillConnectionModel',
          SocialLossConnection: '../common/connectionModels.ts#SocialLossConnectionModel',
          GuardrailTriggerConnection: '../common/connectionModels.ts#GuardrailTriggerConnectionModel',
          MarketBucket: '../../store/series/marketSeries.ts#MarketBucketRow',
          RunBucket: '../../store/series/runSeries.ts#RunBucketRow',
          RunComparisonPoint: '../../store/series/runSeries.ts#RunBucketRow',
          MarketConnection: '../common/connectionModels.ts#MarketConnectionModel',
          Detection: '../../store/detect/detectionLists.ts#DetectionRow',
          Incident: '../../store/detect/detectionLists.ts#IncidentRow',
          IncidentMember: '../../store/detect/detectionLists.ts#IncidentMemberRow',
          DetectionConnection: '../common/connectionModels.ts#DetectionConnectionModel',
          IncidentConnection: '../common/connectionModels.ts#IncidentConnectionModel',
          RunConnection: '../common/connectionModels.ts#RunConnectionModel',
          BacktestRunConnection: '../common/connectionModels.ts#BacktestRunConnectionModel',
          Sweep: '../modules/sweeps/models.ts#SweepModel',
          SweepPoint: '../../store/results/sweepResults.ts#SweepPointRow',
          SweepPointConnection: '../modules/sweeps/models.ts#SweepPointConnectionModel',
        },
      },
    },
  },
  silent: true,
}
export default config
