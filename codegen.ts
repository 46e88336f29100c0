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
          RunProgress: '../../domain/run.ts#RunProgress',
        },
      },
    },
  },
  silent: true,
}
export default config
