// Command-line flags most sources share: the day range, the base URL and --force.
import type { FlagSpec } from './definition.ts'

export const RELOAD = 'reload partitions that are already loaded (their rows are replaced, not duplicated)'

/** --from/--to, required on the command line (a schedule leaves them out and gets yesterday). */
export function dayFlags(toNote = 'inclusive', required: FlagSpec['required'] = true): FlagSpec[] {
  return [
    { flag: '--from <day>', description: 'first UTC day, YYYY-MM-DD', param: 'from', kind: 'text', required },
    { flag: '--to <day>', description: `last UTC day, YYYY-MM-DD (${toNote})`, param: 'to', kind: 'text', required },
  ]
}

export const baseUrlFlag = (what: string, setting: string): FlagSpec => ({
  flag: '--base-url <url>',
  description: `${what} base URL (default ${setting})`,
  param: 'baseUrl',
  kind: 'text',
})

export const forceFlag = (description = RELOAD): FlagSpec => ({
  flag: '--force',
  description,
  param: 'force',
  kind: 'switch',
})

/** --dir: an archive source reads files already downloaded, in its own layout, instead of fetching them. */
export const dirFlag = (layout: string): FlagSpec => ({
  flag: '--dir <path>',
  description: `read already-downloaded files from this directory instead (${layout})`,
  param: 'dir',
  kind: 'text',
})
