// ABI encoding and decoding for the four AggregatorV3Interface calls Backstop makes on a Chainlink proxy, by hand:
// each is a 4-byte selector (the first 4 bytes of keccak256 of the signature; Node's crypto has no keccak, so they
// are written out here and checked against a keccak implementation in the tests) and 32-byte words.

export const SELECTORS = {
  /** keccak256("decimals()")[0..4] */
  decimals: '0x313ce567',
  /** keccak256("description()")[0..4] */
  description: '0x7284e416',
  /** keccak256("getRoundData(uint80)")[0..4] */
  getRoundData: '0x9a6fc8f5',
  /** keccak256("latestRoundData()")[0..4] */
  latestRoundData: '0xfeaf968c',
} as const

/** The signatures the selectors above were derived from, for the tests. */
export const SIGNATURES: Readonly<Record<keyof typeof SELECTORS, string>> = {
  decimals: 'decimals()',
  description: 'description()',
  getRoundData: 'getRoundData(uint80)',
  latestRoundData: 'latestRoundData()',
}

const UINT80_MAX = (1n << 80n) - 1n
const word = (value: bigint) => value.toString(16).padStart(64, '0')

/** Call data for getRoundData(roundId). */
export function encodeGetRoundData(roundId: bigint): string {
  if (roundId < 0n || roundId > UINT80_MAX) throw new Error(`round id out of uint80 range: ${roundId}`)
  return SELECTORS.getRoundData + word(roundId)
}

/** The 32-byte words of return data (0x-prefixed hex). */
export function words(data: string): bigint[] {
  const hex = data.replace(/^0x/, '')
  if (hex.length % 64 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`not ABI words: ${data.slice(0, 80)}`)
  const out: bigint[] = []
  for (let i = 0; i < hex.length; i += 64) out.push(BigInt(`0x${hex.slice(i, i + 64)}`))
  return out
}

/** A word as int256 (two's complement). */
export const int256 = (w: bigint): bigint => (w >= 1n << 255n ? w - (1n << 256n) : w)

export interface RoundData {
  roundId: bigint
  answer: bigint
  startedAt: bigint
  updatedAt: bigint
  answeredInRound: bigint
}

/** (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound). */
export function decodeRoundData(data: string): RoundData {
  const w = words(data)
  if (w.length !== 5) throw new Error(`expected 5 words of round data, received ${w.length}`)
  return { roundId: w[0]!, answer: int256(w[1]!), startedAt: w[2]!, updatedAt: w[3]!, answeredInRound: w[4]! }
}

export function decodeUint(data: string): bigint {
  const w = words(data)
  if (w.length !== 1) throw new Error(`expected 1 word, received ${w.length}`)
  return w[0]!
}

/** An ABI-encoded `string` return value (offset, length, bytes). */
export function decodeString(data: string): string {
  const hex = data.replace(/^0x/, '')
  const w = words(data)
  if (w.length < 2) throw new Error('expected an ABI string')
  const offset = Number(w[0]!) * 2
  const length = Number(BigInt(`0x${hex.slice(offset, offset + 64)}`)) * 2
  return Buffer.from(hex.slice(offset + 64, offset + 64 + length), 'hex').toString('utf8')
}

/** Proxy round ids carry the phase in the bits above 64: roundId = phase << 64 | aggregator round. */
export const PHASE_SHIFT = 64n
export const phaseOf = (roundId: bigint): number => Number(roundId >> PHASE_SHIFT)
export const aggregatorRoundOf = (roundId: bigint): bigint => roundId & ((1n << PHASE_SHIFT) - 1n)
export const roundIdOf = (phase: number, round: bigint): bigint => (BigInt(phase) << PHASE_SHIFT) | round
