// Drift size premium on margin ratios [R3]: large positions need more margin than the base ratio.

/** ratio = max(base, 0.8·base + √(10·size + 1)·imfFactor / scale), with size in base units [R3]. */
export function sizePremiumRatio(baseRatio: number, size: number, imfFactor: number, scale: number): number {
  if (imfFactor === 0) return baseRatio
  return Math.max(baseRatio, 0.8 * baseRatio + (Math.sqrt(10 * Math.abs(size) + 1) * imfFactor) / scale)
}
