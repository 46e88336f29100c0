// The `backstop` command line: loads only the module of the command asked for (see commandTable.ts); for help, the
// version or an unknown word it lists every command by name and summary without loading any.
import { Command } from 'commander'
import { version } from '../project.ts'
import { COMMANDS, requestedCommand } from './commandTable.ts'

const program = new Command('backstop')
  .description('Replay derivatives market history against margin, liquidation and insurance-fund rules.')
  .version(version)
  .showHelpAfterError()

const requested = requestedCommand(process.argv.slice(2))
if (requested) await requested.register(program)
else for (const c of COMMANDS) program.command(c.name).description(c.summary)

await program.parseAsync(process.argv)
