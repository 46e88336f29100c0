// The top-level commands by name, each with its one-line summary and the module that registers it: the CLI loads a
// command's module (and the libraries behind it) only when that command runs, so `backstop --help` starts in a
// fraction of a second. Every stage that adds a command adds its line here (a test checks the summaries and names
// against what the modules register).
import type { Command } from 'commander'

export interface CommandEntry {
  name: string
  /** What `backstop --help` shows without loading the module: the command's own description. */
  summary: string
  register(program: Command): Promise<void>
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'start',
    summary: 'apply pending migrations, then serve (what `npm start` runs)',
    register: async (p) => (await import('./commands/serve.ts')).registerServe(p),
  },
  {
    name: 'serve',
    summary: 'serve GraphQL + GraphiQL, /healthz, /readyz, /metrics, run jobs and cron schedules',
    register: async (p) => (await import('./commands/serve.ts')).registerServe(p),
  },
  {
    name: 'migrate',
    summary: 'apply pending metadata (Prisma) and DuckDB migrations; safe to run repeatedly',
    register: async (p) => (await import('./commands/migrate.ts')).registerMigrate(p),
  },
  {
    name: 'jobs',
    summary: 'scheduled and on-demand jobs',
    register: async (p) => (await import('./commands/jobs.ts')).registerJobs(p),
  },
  {
    name: 'runs',
    summary: 'runs of every kind (ingestion, backtests, maintenance): list, show, cancel',
    register: async (p) => (await import('./commands/runs.ts')).registerRuns(p),
  },
  {
    name: 'ingest',
    summary: 'load market history into DuckDB (idempotent per partition; exit 1 if any partition failed)',
    // one subcommand per source in the registry (src/ingest/sources)
    register: async (p) => void (await import('./commands/ingest.ts')).registerIngest(p),
  },
  {
    name: 'coverage',
    summary: 'what market data is held: covered ranges, missing days/minutes, row counts',
    register: async (p) => (await import('./commands/coverage.ts')).registerCoverage(p),
  },
  {
    name: 'rules',
    summary: 'margin / liquidation / insurance-fund rule sets',
    register: async (p) => (await import('./commands/rules.ts')).registerRules(p),
  },
  {
    name: 'backtest',
    summary: 'replay market history against a rule set and record liquidations, deficits, fund path and ADL',
    register: async (p) => (await import('./commands/backtest.ts')).registerBacktest(p),
  },
  {
    name: 'sweep',
    summary: 'what-if sweep: which rule-set parameters would have held over the windows, at what cost to traders',
    register: async (p) => (await import('./commands/sweep.ts')).registerSweep(p),
  },
  {
    name: 'attack-cost',
    summary: 'cost of attack: the smallest attacker capital that produces a deficit under a rule set',
    register: async (p) => (await import('./commands/attackCost.ts')).registerAttackCost(p),
  },
  {
    name: 'reconcile',
    summary: "compare an account replay's liquidations with those the venue made (recall, precision, offsets)",
    register: async (p) => (await import('./commands/reconcile.ts')).registerReconcile(p),
  },
  {
    name: 'risk',
    summary: 'initial / maintenance margin, liquidation and bankruptcy price of a position under a rule set',
    register: async (p) => (await import('./commands/risk.ts')).registerRisk(p),
  },
  {
    name: 'detect',
    summary: 'run attack-pattern detectors over stored market data or a backtest run, and rebuild incidents',
    register: async (p) => (await import('./commands/detect.ts')).registerDetect(p),
  },
  {
    name: 'incidents',
    summary: 'incidents: deficits, liquidation bursts, guardrail triggers and detections grouped',
    register: async (p) => (await import('./commands/incidents.ts')).registerIncidents(p),
  },
  {
    name: 'incident',
    summary: 'one incident and its timeline',
    register: async (p) => (await import('./commands/incidents.ts')).registerIncidents(p),
  },
  {
    name: 'scenario',
    summary: 'generated scenario library (venue synthetic): list, load, remove',
    register: async (p) => (await import('./commands/scenario.ts')).registerScenario(p),
  },
  {
    name: 'report',
    summary:
      'render the report of a backtest run, or of a sweep run: HTML, Markdown (charts as SVG files beside it) and JSON',
    register: async (p) => (await import('./commands/report.ts')).registerReport(p),
  },
  {
    name: 'keys',
    summary: 'API keys: create, list, revoke',
    register: async (p) => (await import('./commands/keys.ts')).registerKeys(p),
  },
  {
    name: 'schedules',
    summary: 'scheduled backtests and their reports',
    register: async (p) => (await import('./commands/schedules.ts')).registerSchedules(p),
  },
]

/** The command a command line names: its first word that is not an option (`help X` names X). */
export function requestedCommand(args: readonly string[]): CommandEntry | undefined {
  const words = args.filter((a) => !a.startsWith('-'))
  const name = words[0] === 'help' ? words[1] : words[0]
  return COMMANDS.find((c) => c.name === name)
}
