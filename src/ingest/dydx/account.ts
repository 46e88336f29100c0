// dYdX v4 account identities: a subaccount is `address/subaccountNumber`, exactly the two values the indexer takes.

export interface Subaccount {
  address: string
  subaccountNumber: number
}

export const accountOf = (s: Subaccount): string => `${s.address}/${s.subaccountNumber}`

/** Parses `address/N` (as stored in fills and ledger rows); null when the text is not one. */
export function parseSubaccount(text: string): Subaccount | null {
  const m = /^(dydx1[0-9a-z]{38,58})\/(\d{1,3})$/.exec(text)
  return m ? { address: m[1]!, subaccountNumber: Number(m[2]) } : null
}
