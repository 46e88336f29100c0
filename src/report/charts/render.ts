// A vega-lite spec rendered to SVG text on the server (vega's headless View, no canvas, no network, no clock).
import { View, parse } from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import { chartConfig } from './theme.ts'

/** A chart ready for a report: its title (for alt text and links) and its SVG. */
export interface RenderedChart {
  /** File-name stem, e.g. "fund-balance" (the Markdown report links `<name>.svg`). */
  name: string
  title: string
  svg: string
}

/**
 * Compiles a vega-lite spec with the report theme and renders it to SVG. Vega fetches nothing for inline data; the
 * loader is still replaced by one that refuses, so a spec can never make a request.
 */
export async function renderSvg(spec: TopLevelSpec, warnings: string[] = []): Promise<string> {
  if (asksForUrl(spec)) throw new Error('report charts use inline data only: the spec names a data url')
  const logger = quietLogger(warnings)
  const { spec: vegaSpec } = compile({ ...spec, config: { ...chartConfig, ...spec.config } } as TopLevelSpec, {
    logger,
  })
  const refuse = () => Promise.reject(new Error('report charts use inline data only'))
  const view = new View(parse(vegaSpec), {
    renderer: 'none',
    logger,
    loader: { load: refuse, sanitize: refuse, http: refuse, file: refuse } as never,
  })
  try {
    const svg = await view.toSVG()
    // vega writes no dates or ids of its own; a trailing newline keeps files and hashes stable
    return svg.endsWith('\n') ? svg : `${svg}\n`
  } finally {
    view.finalize()
  }
}

/** True when any data object of the spec (at any depth) names a url. */
function asksForUrl(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(asksForUrl)
  if (typeof node !== 'object' || node === null) return false
  const record = node as Record<string, unknown>
  const data = record.data as Record<string, unknown> | undefined
  if (data && typeof data === 'object' && 'url' in data) return true
  return Object.entries(record).some(([key, value]) => key !== 'values' && asksForUrl(value))
}

/** Vega's logger without console output: warnings are collected (tests assert there are none). */
function quietLogger(warnings: string[]) {
  let level = 0
  const logger = {
    level(value?: number) {
      if (value === undefined) return level
      level = value
      return logger
    },
    error(...args: unknown[]) {
      warnings.push(args.map(String).join(' '))
      return logger
    },
    warn(...args: unknown[]) {
      warnings.push(args.map(String).join(' '))
      return logger
    },
    info: () => logger,
    debug: () => logger,
  }
  return logger as never
}
