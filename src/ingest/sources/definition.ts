// What every ingestion source declares, once: its id, datasets, parameters (a zod schema, the only validator), how it
// plans partitions, its daily schedules from configuration and its command-line flags. Jobs, schedules and
// `backstop ingest <id>` are derived from these definitions (src/ingest/sources/index.ts lists them).
import type { z } from 'zod'
import type { Config } from '../../config/load.ts'
import type { Logger } from '../../obs/logger.ts'
import type { PlannedPartition } from '../connector.ts'

/** An earlier load of a local file, as the store recorded it (for `file`'s identities). */
export interface EarlierFileLoad {
  partitionId: string
  checksum: string | null
  file: string | null
}

/** What a source's plan may use besides its parameters. */
export interface PlanContext {
  config: Config
  log: Logger
  /** When the run started: the one clock reading a plan may use (e.g. the time of a margin snapshot). */
  now: Date
  /** Loads of local files recorded before, for one venue, table and market (the store answers; sources never query). */
  earlierFileLoads(where: {
    venue: string
    dataset: string
    market: string
    ids: readonly string[]
    path: string
  }): Promise<EarlierFileLoad[]>
}

/** A source's plan for one run. */
export interface IngestPlan {
  partitions: PlannedPartition[]
  /** Extra HTTP headers for every request of the run (e.g. an API key from configuration, never a parameter). */
  headers?: Record<string, string>
  /** Called once the partitions have run (e.g. to log the rate-limit weight spent). */
  finished?(log: Logger): void
}

/** A daily schedule a source derives from configuration: a name and the parameters of its runs. */
export interface SourceSchedule {
  name: string
  params: Record<string, unknown>
}

/**
 * One command-line flag: `--markets <list>` feeds the parameter `markets`. The CLI turns flag text into raw
 * parameters (a list splits on commas, an integer becomes a number, a switch a boolean) and leaves every check to the
 * source's zod schema, whose problems are reported under the flag's name.
 */
export interface FlagSpec {
  /** As commander spells it: `--markets <list>`, `--force`. */
  flag: string
  description: string
  /** The parameter it feeds; null for a flag the source turns into something else (see `SourceCli.toParams`). */
  param: string | null
  kind: 'list' | 'text' | 'integer' | 'switch'
  /** Default flag text shown in help and used when the flag is absent. */
  default?: string
  /** Usage rule of the command line: the flag must be given (with these other raw values). */
  required?: boolean | ((raw: Record<string, unknown>) => boolean)
}

export interface SourceCli {
  /** One line under `backstop ingest --help`. */
  summary: string
  flags: FlagSpec[]
  /** A variadic positional argument feeding a list parameter (`ingest file PATH…`). */
  argument?: { name: string; description: string; param: string }
  /**
   * Source-specific assembly of raw parameters from the raw flag values (after the generic conversion): e.g. dYdX
   * combines --address and --subaccount. May also adjust the configuration of this one run (a secret URL is
   * configuration, never a stored parameter). Returns problems about flags the schema cannot see.
   */
  toParams?(
    raw: Record<string, unknown>,
    config: Config,
  ): {
    params: Record<string, unknown>
    config?: Config
    problems?: { path: string; received: unknown; expected: string }[]
  }
}

export interface SourceDefinition<S extends z.ZodType = z.ZodType> {
  /** `backstop ingest <id>`, job `ingest.<id>`, the partition ids' source. */
  id: string
  /** Source name in partition keys and metrics (usually the id). */
  source: string
  /** The job's description (runs list, jobs list). */
  description: string
  /** The datasets it can load: one of the lists in src/domain/sources.ts. */
  datasets: readonly string[]
  params: S
  plan(params: z.output<S>, ctx: PlanContext): IngestPlan | Promise<IngestPlan>
  /** Daily schedules from configuration (none when nothing is configured for the source). */
  schedules?(config: Config): SourceSchedule[]
  cli: SourceCli
}

/** Typed helper: keeps `plan`'s parameter type tied to the schema. */
export const defineSource = <S extends z.ZodType>(definition: SourceDefinition<S>): SourceDefinition<S> => definition
