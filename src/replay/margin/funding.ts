// Funding rates: premium plus clamped interest [B8][H10], hourly scaling and caps [H10][H11], dYdX clamp [D1][D5].

export interface FundingFormula {
  /** Interest component per 8 h (0.01%). */
  interestRate8h: number
  /** |I − P| clamp per 8 h (0.05%). */
  premiumClamp8h: number
  /** Settlement interval in hours. */
  intervalH: number
  /** |rate| per hour cap (HL 4%/h), or null. */
  capPerHour: number | null
  /** dYdX: |rate| ≤ factor·(IMF − MMF) per 8 h, or null. */
  marginClamp: number | null
}

/** Premium from impact prices: (max(impactBid − oracle, 0) − max(oracle − impactAsk, 0)) / oracle [H10][H11]. */
export function impactPremium(impactBid: number, impactAsk: number, oracle: number): number {
  return (Math.max(impactBid - oracle, 0) - Math.max(oracle - impactAsk, 0)) / oracle
}

/** 8-hour rate F = P + clamp(I − P, −c, +c) [B8][H10] (V13: 1% premium → 0.95%). */
export function fundingRate8h(premium: number, f: Pick<FundingFormula, 'interestRate8h' | 'premiumClamp8h'>): number {
  const c = f.premiumClamp8h
  return premium + Math.min(Math.max(f.interestRate8h - premium, -c), c)
}

/** The rate charged per settlement interval: F·intervalH/8 [B8][H10], then capped [H10] and clamped [D1]. */
export function fundingRatePerInterval(rate8h: number, f: FundingFormula): number {
  let rate = (rate8h * f.intervalH) / 8
  if (f.marginClamp !== null) {
    const c = (f.marginClamp * f.intervalH) / 8
    rate = Math.min(Math.max(rate, -c), c)
  }
  if (f.capPerHour !== null) {
    const c = f.capPerHour * f.intervalH
    rate = Math.min(Math.max(rate, -c), c)
  }
  return rate
}

/** Apply only the caps and clamps of the rule set to an observed per-interval rate. */
export function clampObservedRate(rate: number, f: FundingFormula): number {
  return fundingRatePerInterval((rate * 8) / f.intervalH, f)
}
