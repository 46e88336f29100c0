// The resolver map for schema.graphql: one module per area, composed here.
import { guardArguments } from '../argumentGuard.ts'
import { apiKeys, apiKeysConnection, createApiKey, revokeApiKey } from '../auth/resolvers.ts'
import type { Resolvers } from '../generated/resolvers-types.ts'
import { scalarResolvers } from '../scalars.ts'
import {
  BacktestRun,
  backtestAdlFills,
  backtestDeficits,
  backtestFundSeries,
  backtestGuardrailTriggers,
  backtestLiquidations,
  backtestRun,
  backtestRuns,
  backtestSocialLosses,
  runBacktest,
} from './backtests.ts'
import {
  BacktestRunOutputs,
  backtestRunsConnection,
  runAdlFills,
  runDeficits,
  runFundMovements,
  runGuardrailTriggers,
  runLiquidations,
  runSocialLosses,
} from '../modules/backtests/resolvers.ts'
import {
  Detection,
  Incident,
  IncidentMember,
  detections,
  incident,
  incidents,
  runDetectors,
} from '../modules/detections/resolvers.ts'
import { accountsConnection, dataCoverageConnection, Gap, marketsConnection } from '../modules/marketData/resolvers.ts'
import { RuleSetVersions, rulePresetsConnection, ruleSetsConnection } from '../modules/ruleSets/resolvers.ts'
import { runsConnection } from '../modules/runs/resolvers.ts'
import { compareRuns, marketSeries, runSeries } from '../modules/series/resolvers.ts'
import { Sweep, SweepPoint, runSweep, sweep } from '../modules/sweeps/resolvers.ts'
import { AttackCost, attackCost, runAttackCost } from '../modules/attackCost/resolvers.ts'
import { incidentCreated } from '../subscriptions/incidentCreated.ts'
import { jobProgress } from '../subscriptions/jobProgress.ts'
import { runProgress } from '../subscriptions/runProgress.ts'
import { health } from './health.ts'
import { accounts, dataCoverage, markets } from './markets.ts'
import { RuleSet, RuleSetVersion, ruleSets } from './ruleSets.ts'
import {
  Report,
  backtestSchedules,
  createBacktestSchedule,
  deleteBacktestSchedule,
  generateReport,
  pauseBacktestSchedule,
  report,
  reports,
  resumeBacktestSchedule,
  runReport,
  updateBacktestSchedule,
} from './reports.ts'
import { reconcileRun } from './reconcile.ts'
import { positionRisk } from './risk.ts'
import { Run, RunProgress, cancelRun, loadScenario, removeScenario, run, runJob, runs, triggerIngest } from './runs.ts'
import { createRuleSet, deriveRuleSet, resolveRuleSet, rulePresets, ruleSetDiff } from './rules.ts'
import { loadedScenarios } from './scenarios.ts'

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: guardArguments({
    health,
    markets,
    accounts,
    dataCoverage,
    ruleSets,
    rulePresets,
    resolveRuleSet,
    ruleSetDiff,
    positionRisk,
    backtestRun,
    backtestRuns,
    backtestLiquidations,
    backtestDeficits,
    backtestFundSeries,
    backtestAdlFills,
    backtestSocialLosses,
    backtestGuardrailTriggers,
    reports,
    report,
    backtestSchedules,
    reconcileRun,
    run,
    runs,
    runsConnection,
    marketsConnection,
    backtestRunsConnection,
    runLiquidations,
    runDeficits,
    runFundMovements,
    runAdlFills,
    runSocialLosses,
    runGuardrailTriggers,
    marketSeries,
    runSeries,
    compareRuns,
    detections,
    incidents,
    incident,
    apiKeys,
    sweep,
    attackCost,
    accountsConnection,
    dataCoverageConnection,
    ruleSetsConnection,
    rulePresetsConnection,
    apiKeysConnection,
    loadedScenarios,
  }),
  Mutation: guardArguments({
    createRuleSet,
    deriveRuleSet,
    runBacktest,
    cancelRun,
    triggerIngest,
    loadScenario,
    removeScenario,
    runJob,
    runDetectors,
    runSweep,
    runAttackCost,
    generateReport,
    createBacktestSchedule,
    updateBacktestSchedule,
    pauseBacktestSchedule,
    resumeBacktestSchedule,
    deleteBacktestSchedule,
    createApiKey,
    revokeApiKey,
  }),
  Subscription: { runProgress, incidentCreated, jobProgress },
  BacktestRun: { ...BacktestRun, ...BacktestRunOutputs },
  Run: { ...Run, report: runReport },
  RunProgress,
  Detection,
  Incident,
  IncidentMember,
  Gap,
  Sweep,
  SweepPoint,
  AttackCost,
  RuleSet: { ...RuleSet, ...RuleSetVersions },
  RuleSetVersion,
  Report,
}
