// The `backstop` command line: every stage adds its subcommand here.
import { Command } from 'commander'
import { version } from '../project.ts'
import { registerCoverage } from './commands/coverage.ts'
import { registerIngest } from './commands/ingest.ts'
import { registerJobs } from './commands/jobs.ts'
import { registerMigrate } from './commands/migrate.ts'
import { registerServe } from './commands/serve.ts'

const program = new Command('backstop')
  .description('Replay derivatives market history against margin, liquidation and insurance-fund rules.')
  .version(version)
  .showHelpAfterError()

registerServe(program)
registerMigrate(program)
registerJobs(program)
registerIngest(program)
registerCoverage(program)

await program.parseAsync(process.argv)
