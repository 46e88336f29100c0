// Reads the environment (and an optional .env file) once, validates every setting, and reports all problems at once.
import fs from 'node:fs'
import path from 'node:path'
import { parseEnv } from 'node:util'
import type { z } from 'zod'
import { BackstopError, formatProblems, type InputProblem } from '../errors.ts'
import { settings, type SettingKey, type Settings } from './settings.ts'

type ValueOf<K extends SettingKey> = z.output<Settings[K]['parse']>
/** Validated settings; the ones without a default may be undefined. */
export type Config = {
  readonly [K in SettingKey]: Settings[K] extends { default: string } ? ValueOf<K> : ValueOf<K> | undefined
}

/**
 * Invalid settings (code BAD_CONFIGURATION): every problem, with the environment variable as its path, the value
 * received and what is valid. The CLI prints the message and exits 2.
 */
export class ConfigError extends BackstopError {
  readonly code = 'BAD_CONFIGURATION'

  constructor(readonly problems: InputProblem[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        formatProblems(problems) +
        '\nSet these in the environment or in .env (see .env.example).',
      { problems },
    )
  }
}

/** Variables from `.env` in the working directory, if present; the real environment wins over the file. */
export function readDotEnv(dir = process.cwd()): Record<string, string> {
  const file = path.join(dir, '.env')
  if (!fs.existsSync(file)) return {}
  return parseEnv(fs.readFileSync(file, 'utf8')) as Record<string, string>
}

/** Settings whose default refers to another setting ($DATA_DIR). */
function expandDefault(template: string, dataDir: string): string {
  return template.replaceAll('$DATA_DIR', dataDir.replace(/\/+$/, ''))
}

/** Validates every setting; throws ConfigError listing each invalid one (name, value received, what is valid). */
export function loadConfig(env: NodeJS.ProcessEnv = { ...readDotEnv(), ...process.env }): Config {
  const problems: InputProblem[] = []
  const out: Record<string, unknown> = {}
  const rawDataDir = env.DATA_DIR?.trim() || settings.dataDir.default
  for (const [key, setting] of Object.entries(settings) as [SettingKey, Settings[SettingKey]][]) {
    const given = env[setting.env]
    const raw =
      given !== undefined && given !== ''
        ? given
        : 'default' in setting
          ? expandDefault(setting.default, rawDataDir)
          : undefined
    if (raw === undefined) {
      out[key] = undefined
      continue
    }
    const parsed = (setting.parse as z.ZodType<unknown, string>).safeParse(raw)
    if (parsed.success) out[key] = parsed.data
    else problems.push({ path: setting.env, received: raw, expected: setting.valid })
  }
  if (problems.length) throw new ConfigError(problems)
  return Object.freeze(out) as Config
}
