// Inverse (coin-margined) contracts for the calculator: value in base = contracts·contractValue / price [Y1][Y2].

/**
 * Price P where equity C + s·Q·(1/E − 1/P) (base units, Q = contracts × contract value) meets the requirement:
 * mark-based m·Q/P, or entry-based m·Q/E, plus a fee reserve f·Q/BP fixed at the bankruptcy price [Y2].
 */
export function inverseLiquidationPrice(
  side: number,
  contractsValue: number,
  entry: number,
  collateral: number,
  mmr: number,
  entryBased: boolean,
  feeReserve = 0,
): number {
  const q = contractsValue
  // s·Q/P·(1) terms: C + s·Q/E − s·Q/P = m·Q/P (mark) → P = Q·(s + m) / (C + s·Q/E)
  if (!entryBased) return (q * (side + mmr)) / (collateral - feeReserve + (side * q) / entry)
  // entry-based: C + s·Q/E − s·Q/P = m·Q/E → P = s·Q / (C + (s − m)·Q/E)
  return (side * q) / (collateral - feeReserve + ((side - mmr) * q) / entry)
}

/** Bankruptcy price of an inverse position: equity equals the closing fee f·Q/P at that price [Y2]; E·lev/(lev+1) for an isolated long at leverage lev with no fee [Y4]. */
export function inverseBankruptcyPrice(
  side: number,
  contractsValue: number,
  entry: number,
  collateral: number,
  feeRate = 0,
): number {
  return (contractsValue * (side + feeRate)) / (collateral + (side * contractsValue) / entry)
}
