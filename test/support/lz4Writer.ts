// A small LZ4 frame writer for tests (greedy matcher, linked or independent blocks, block and content checksums), so
// the decoder is tested on real compressed frames without the lz4 binary.
import { xxh32 } from '../../src/ingest/lz4Frame.ts'

const MIN_MATCH = 4
const LAST_LITERALS = 5
const MF_LIMIT = 12

function pushLength(out: number[], n: number): void {
  while (n >= 255) {
    out.push(255)
    n -= 255
  }
  out.push(n)
}

/** Compresses data[start, end) as one block; matches may reach back to `windowStart` (linked blocks). */
function compressBlock(data: Uint8Array, windowStart: number, start: number, end: number): Uint8Array {
  const out: number[] = []
  const table = new Map<number, number>()
  const key = (i: number) => data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
  for (let i = windowStart; i + MIN_MATCH <= start; i++) table.set(key(i), i)
  let anchor = start
  let i = start
  const emit = (literalEnd: number, offset: number, matchLength: number) => {
    const literals = literalEnd - anchor
    const token = (Math.min(literals, 15) << 4) | (matchLength ? Math.min(matchLength - MIN_MATCH, 15) : 0)
    out.push(token)
    if (literals >= 15) pushLength(out, literals - 15)
    for (let k = anchor; k < literalEnd; k++) out.push(data[k]!)
    if (matchLength) {
      out.push(offset & 255, offset >>> 8)
      if (matchLength - MIN_MATCH >= 15) pushLength(out, matchLength - MIN_MATCH - 15)
    }
  }
  while (i + MF_LIMIT <= end) {
    const k = key(i)
    const candidate = table.get(k)
    table.set(k, i)
    if (candidate !== undefined && i - candidate <= 65_535 && key(candidate) === k) {
      let length = MIN_MATCH
      while (i + length < end - LAST_LITERALS && data[candidate + length] === data[i + length]) length++
      emit(i, i - candidate, length)
      i += length
      anchor = i
    } else i++
  }
  emit(end, 0, 0)
  return Uint8Array.from(out)
}

export interface Lz4WriteOptions {
  blockSize?: 64 | 256 | 1024 | 4096
  independent?: boolean
  blockChecksum?: boolean
  contentChecksum?: boolean
  /** Store every block uncompressed (high bit of the size). */
  stored?: boolean
}

export function lz4Frame(data: Uint8Array, options: Lz4WriteOptions = {}): Uint8Array {
  const blockKb = options.blockSize ?? 64
  const code = { 64: 4, 256: 5, 1024: 6, 4096: 7 }[blockKb]
  const independent = options.independent ?? false
  const flg =
    0x40 |
    (independent ? 0x20 : 0) |
    (options.blockChecksum ? 0x10 : 0) |
    ((options.contentChecksum ?? true) ? 0x04 : 0)
  const descriptor = Uint8Array.from([flg, code << 4])
  const parts: Uint8Array[] = [
    Uint8Array.from([0x04, 0x22, 0x4d, 0x18]),
    descriptor,
    Uint8Array.from([(xxh32(descriptor) >>> 8) & 0xff]),
  ]
  const u32 = (n: number) => Uint8Array.from([n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255])
  const blockBytes = blockKb * 1024
  for (let start = 0; start < data.length; start += blockBytes) {
    const end = Math.min(data.length, start + blockBytes)
    const compressed = compressBlock(data, independent ? start : Math.max(0, start - 65_536), start, end)
    const stored = options.stored || compressed.length >= end - start
    const body = stored ? data.subarray(start, end) : compressed
    parts.push(u32(body.length | (stored ? 0x80000000 : 0)), body)
    if (options.blockChecksum) parts.push(u32(xxh32(body)))
  }
  parts.push(u32(0))
  if (options.contentChecksum ?? true) parts.push(u32(xxh32(data)))
  const total = parts.reduce((n, p) => n + p.length, 0)
  const out = new Uint8Array(total)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}
