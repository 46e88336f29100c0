// The `backstop` command line: every stage adds its subcommand here.
import { Command } from 'commander'
import { version } from '../project.ts'
import { registerCoverage } from './commands/coverage.ts'
import { registerIngest } from './commands/ingest.ts'
import { registerChainlinkIngest } from './commands/ingestChainlink.ts'
import { registerDydxIngest } from './commands/ingestDydx.ts'
import { registerHyperliquidIngest } from './commands/ingestHyperliquid.ts'
import { registerPythIngest } from './commands/ingestPyth.ts'
import { registerBacktest } from './commands/backtest.ts'
import { registerDetect } from './commands/detect.ts'
import { registerIncidents } from './commands/incidents.ts'
import { registerJobs } from './commands/jobs.ts'
import { registerMigrate } from './commands/migrate.ts'
import { registerRisk } from './commands/risk.ts'
import { registerRules } from './commands/rules.ts'
import { registerRuns } from './commands/runs.ts'
import { registerScenario } from './commands/scenario.ts'
import { registerServe } from './commands/serve.ts'

const program = new Command('backstop')
  .description('Replay derivatives market history against margin, liquidation and insurance-fund rules.')
  .version(version)
  .showHelpAfterError()

registerServe(program)
registerMigrate(program)
registerJobs(program)
registerRuns(program)
const ingest = registerIngest(program)
registerHyperliquidIngest(ingest)
registerDydxIngest(ingest)
registerPythIngest(ingest)
registerChainlinkIngest(ingest)
registerCoverage(program)
registerRules(program)
registerBacktest(program)
registerRisk(program)
registerDetect(program)
registerIncidents(program)
registerScenario(program)

await program.parseAsync(process.argv)
