// The registry of ingestion sources: every `backstop ingest <id>` command, `ingest.<id>` job and daily schedule is
// derived from this list (see docs/ADDING_A_SOURCE.md).
import { binanceUmSource } from './binanceUm.ts'
import { bybitSource } from './bybit.ts'
import { chainlinkSource } from './chainlink.ts'
import type { SourceDefinition } from './definition.ts'
import { dydxSource } from './dydx.ts'
import { fileSource } from './file.ts'
import { hyperliquidSource } from './hyperliquid.ts'
import { hyperliquidNodeFillsSource } from './hyperliquidNodeFills.ts'
import { pythSource } from './pyth.ts'
import { tardisSource } from './tardis.ts'

/** In the order `backstop ingest --help` lists them. */
export const SOURCES: readonly SourceDefinition[] = [
  binanceUmSource,
  bybitSource,
  tardisSource,
  fileSource,
  hyperliquidSource,
  hyperliquidNodeFillsSource,
  dydxSource,
  pythSource,
  chainlinkSource,
]

export function sourceById(id: string): SourceDefinition | undefined {
  return SOURCES.find((s) => s.id === id)
}
