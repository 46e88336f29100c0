// The `backstop` command line: every stage adds its subcommand here.
import { Command } from 'commander'
import { version } from '../project.ts'
import { registerCoverage } from './commands/coverage.ts'
import { registerIngest } from './commands/ingest.ts'
import { registerBacktest } from './commands/backtest.ts'
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
registerIngest(program)
registerCoverage(program)
registerRules(program)
registerBacktest(program)
registerRisk(program)
registerScenario(program)

await program.parseAsync(process.argv)
