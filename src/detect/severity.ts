// Severity levels as ordered numbers (0 none, 1 info, 2 warning, 3 critical) and back.
import type { Severity } from '../domain/detection.ts'

export type Level = 0 | 1 | 2 | 3

export const SEVERITY_OF: Record<Exclude<Level, 0>, Severity> = { 1: 'info', 2: 'warning', 3: 'critical' }

export const levelOf = (severity: Severity): Level => (severity === 'critical' ? 3 : severity === 'warning' ? 2 : 1)

export const maxLevel = (...levels: Level[]): Level => levels.reduce<Level>((a, b) => (b > a ? b : a), 0)

export function severityOf(level: Level): Severity {
  if (level === 0) throw new Error('level 0 is not a detection')
  return SEVERITY_OF[level]
}
