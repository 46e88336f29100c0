// Consecutive flagged points of a series merged into episodes: one detection per episode, not per bucket.
import type { Level } from './severity.ts'

export interface Episode {
  /** First and last flagged index. */
  first: number
  last: number
  level: Level
  /** Index of the highest score among the flagged points. */
  peak: number
  count: number
}

/**
 * Flagged indices (level > 0) whose distance is at most `maxGap` points are one episode — a number, or the gap an
 * episode starting at index `first` tolerates. `score` picks the peak. Pure and deterministic: the same levels give
 * the same episodes.
 */
export function mergeEpisodes(
  levels: ArrayLike<number>,
  score: ArrayLike<number>,
  maxGap: number | ((first: number) => number),
): Episode[] {
  const out: Episode[] = []
  let current: Episode | null = null
  let gap = 0
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]! as Level
    if (level <= 0) continue
    if (current && i - current.last <= gap) {
      current.last = i
      current.count++
      if (level > current.level) current.level = level
      if (score[i]! > score[current.peak]!) current.peak = i
    } else {
      if (current) out.push(current)
      current = { first: i, last: i, level, peak: i, count: 1 }
      gap = typeof maxGap === 'number' ? maxGap : maxGap(i)
    }
  }
  if (current) out.push(current)
  return out
}
