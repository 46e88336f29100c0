// dYdX v4 open-interest-scaled initial margin fraction [D1] (venue-rules V11).

/**
 * IMF_eff = min(IMF + max(scale·(1 − IMF), 0), 1), scale = (OI·P − lower) / (upper − lower); disabled when upper = 0.
 * `openInterestNotional` is OI·P in quote. The maintenance fraction does not scale [D11].
 */
export function oiScaledImf(imf: number, openInterestNotional: number, lowerCap: number, upperCap: number): number {
  if (upperCap === 0) return imf
  const scale = (openInterestNotional - lowerCap) / (upperCap - lowerCap)
  return Math.min(imf + Math.max(scale * (1 - imf), 0), 1)
}
