// dYdX v4 liquidation order economics: fillable price, bankruptcy quote and insurance-fund delta [D2][D5] (V8).

export interface FillableInput {
  /** Total net collateral of the subaccount. */
  tnc: number
  /** Total maintenance margin requirement of the subaccount. */
  tmmr: number
  /** Position net notional value (signed: positive long) at the oracle price. */
  pnnv: number
  /** Position maintenance margin requirement. */
  pmmr: number
  /** Position size (signed base units). */
  size: number
  /** BA, genesis 1.0 [D5]. */
  bankruptcyAdjustment: number
  /** SMMR, genesis 1.5 [D5]. */
  spreadToMaintenanceMultiplier: number
}

/** ABR = clamp(BA·(1 − TNC/TMMR), 0, 1) [D2]. */
export function adjustedBankruptcyRating(tnc: number, tmmr: number, ba: number): number {
  return Math.min(Math.max(ba * (1 - tnc / tmmr), 0), 1)
}

/** FP = (PNNV − ABR·SMMR·PMMR) / PS [D2]: the worst price the liquidation order accepts. */
export function fillablePrice(i: FillableInput): number {
  const abr = adjustedBankruptcyRating(i.tnc, i.tmmr, i.bankruptcyAdjustment)
  // PNNV and PS are signed, so for a short the spread raises the buy-back price
  return (i.pnnv - abr * i.spreadToMaintenanceMultiplier * i.pmmr) / i.size
}

/**
 * Quote the position must close at for the subaccount to end at zero: −DNNV − TNC·|DMMR|/TMMR [D2], where closing
 * the whole position has DNNV = −PNNV and |DMMR| = PMMR. Positive = received for a long's sale.
 */
export function bankruptcyQuote(tnc: number, tmmr: number, pnnv: number, pmmr: number): number {
  return pnnv - (tnc * pmmr) / tmmr
}

/**
 * Insurance-fund delta of a fill: fill quote − bankruptcy quote (for a long; sign-flipped for a short). Negative: the
 * fund pays. Positive: the account pays min(delta, |quote|·maxLiquidationFee) to the fund [D2].
 */
export function insuranceDelta(side: number, fillQuote: number, bankruptcyQuoteValue: number): number {
  return side * (fillQuote - bankruptcyQuoteValue)
}
