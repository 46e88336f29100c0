// LZ4 frame decoder (the format of the `.lz4` files in Hyperliquid's archives; lz4 frame spec v1.6.x): frames,
// skippable frames, linked or independent blocks, block and content checksums (xxHash32) verified. Node has no LZ4
// and DuckDB reads none, so the hour files are inflated here, block by block, keeping the 64 KiB window linked
// blocks may refer back to.

const FRAME_MAGIC = 0x184d2204
const SKIPPABLE_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50
const WINDOW = 64 * 1024
const BLOCK_SIZES: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 }

export class Lz4FormatError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    detail: string,
  ) {
    super(`${file}: not a valid LZ4 frame at byte ${offset}: ${detail}`)
    this.name = 'Lz4FormatError'
  }
}

const P1 = 0x9e3779b1
const P2 = 0x85ebca77
const P3 = 0xc2b2ae3d
const P4 = 0x27d4eb2f
const P5 = 0x165667b1
const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0

/** xxHash32 of bytes[start, end) with `seed` (the LZ4 frame checksums use seed 0). */
export function xxh32(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  const u32 = (i: number) => (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0
  const round = (acc: number, input: number) => Math.imul(rotl((acc + Math.imul(input, P2)) >>> 0, 13), P1) >>> 0
  let i = start
  let h: number
  if (end - start >= 16) {
    let v1 = (seed + P1 + P2) >>> 0
    let v2 = (seed + P2) >>> 0
    let v3 = seed >>> 0
    let v4 = (seed - P1) >>> 0
    for (; i + 16 <= end; i += 16) {
      v1 = round(v1, u32(i))
      v2 = round(v2, u32(i + 4))
      v3 = round(v3, u32(i + 8))
      v4 = round(v4, u32(i + 12))
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0
  } else h = (seed + P5) >>> 0
  h = (h + (end - start)) >>> 0
  for (; i + 4 <= end; i += 4) h = Math.imul(rotl((h + Math.imul(u32(i), P3)) >>> 0, 17), P4) >>> 0
  for (; i < end; i++) h = Math.imul(rotl((h + Math.imul(bytes[i]!, P5)) >>> 0, 11), P1) >>> 0
  h = Math.imul(h ^ (h >>> 15), P2) >>> 0
  h = Math.imul(h ^ (h >>> 13), P3) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

/**
 * Decodes one LZ4 block from src[start, end) into out at `at` (out holds the window before `at`); returns the end of
 * the output. Every length and offset is checked, so damaged input fails instead of reading or writing out of range.
 */
function decodeBlock(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
  fail: (d: string) => never,
): number {
  let i = start
  let o = at
  while (i < end) {
    const token = src[i++]!
    let literals = token >>> 4
    if (literals === 15) {
      let b: number
      do {
        if (i >= end) fail('literal length runs past the block')
        b = src[i++]!
        literals += b
      } while (b === 255)
    }
    if (i + literals > end || o + literals > out.length) fail('literals run past the block')
    out.set(src.subarray(i, i + literals), o)
    i += literals
    o += literals
    if (i === end) break // the last sequence holds literals only
    if (i + 2 > end) fail('match offset runs past the block')
    const offset = src[i]! | (src[i + 1]! << 8)
    i += 2
    if (offset === 0 || offset > o) fail(`match offset ${offset} points before the data`)
    let length = (token & 15) + 4
    if ((token & 15) === 15) {
      let b: number
      do {
        if (i >= end) fail('match length runs past the block')
        b = src[i++]!
        length += b
      } while (b === 255)
    }
    if (o + length > out.length) fail('match runs past the block size')
    if (offset >= length) {
      out.copyWithin(o, o - offset, o - offset + length)
      o += length
      // byte by byte when the match overlaps its own output (offset < length repeats a pattern)
    } else for (let from = o - offset, k = 0; k < length; k++) out[o++] = out[from + k]!
  }
  return o
}

/**
 * Inflates every frame of `input` (an `.lz4` file's bytes), calling `onData` with each decoded block in order.
 * `file` names the input in errors.
 */
export function inflateLz4(input: Uint8Array, file: string, onData: (chunk: Uint8Array) => void): void {
  let pos = 0
  const u32 = (i: number) => (input[i]! | (input[i + 1]! << 8) | (input[i + 2]! << 16) | (input[i + 3]! << 24)) >>> 0
  let frames = 0
  while (pos < input.length) {
    const at = pos
    const fail = (detail: string): never => {
      throw new Lz4FormatError(file, at, detail)
    }
    if (pos + 4 > input.length) fail('truncated frame header')
    const magic = u32(pos)
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (pos + 8 > input.length) fail('truncated skippable frame')
      pos += 8 + u32(pos + 4)
      continue
    }
    if (magic !== FRAME_MAGIC) fail(frames ? 'trailing bytes after the last frame' : 'missing LZ4 magic number')
    frames++
    const flg = input[pos + 4]!
    const bd = input[pos + 5]!
    if (flg >>> 6 !== 1) fail(`frame version ${flg >>> 6}, expected 1`)
    const independent = (flg & 0x20) !== 0
    const blockChecksum = (flg & 0x10) !== 0
    const contentSize = (flg & 0x08) !== 0
    const contentChecksum = (flg & 0x04) !== 0
    const dictId = (flg & 0x01) !== 0
    const maxBlock = BLOCK_SIZES[(bd >>> 4) & 7]
    if (maxBlock === undefined) fail(`block size code ${(bd >>> 4) & 7}`)
    const descriptorEnd = pos + 6 + (contentSize ? 8 : 0) + (dictId ? 4 : 0)
    if (descriptorEnd + 1 > input.length) fail('truncated frame descriptor')
    if (((xxh32(input, pos + 4, descriptorEnd) >>> 8) & 0xff) !== input[descriptorEnd]) fail('header checksum')
    pos = descriptorEnd + 1
    // [window of previous output | this block's output]
    const buffer = new Uint8Array(WINDOW + maxBlock!)
    let windowLength = 0
    const hashParts: Uint8Array[] = []
    for (;;) {
      if (pos + 4 > input.length) fail('truncated block size')
      const word = u32(pos)
      pos += 4
      if (word === 0) break
      const size = word & 0x7fffffff
      if (size > maxBlock!) fail(`block of ${size} bytes over the frame's ${maxBlock} byte blocks`)
      if (pos + size + (blockChecksum ? 4 : 0) > input.length) fail('truncated block')
      if (blockChecksum && xxh32(input, pos, pos + size) !== u32(pos + size)) fail('block checksum')
      const base = independent ? 0 : windowLength
      if (independent) windowLength = 0
      let end: number
      if (word & 0x80000000) {
        buffer.set(input.subarray(pos, pos + size), base)
        end = base + size
      } else end = decodeBlock(input, pos, pos + size, buffer.subarray(0, base + maxBlock!), base, fail)
      const chunk = buffer.slice(base, end)
      if (contentChecksum) hashParts.push(chunk)
      onData(chunk)
      pos += size + (blockChecksum ? 4 : 0)
      if (!independent) {
        // keep the last 64 KiB as the window of the next block
        const keep = Math.min(WINDOW, end)
        buffer.copyWithin(0, end - keep, end)
        windowLength = keep
      }
    }
    if (contentChecksum) {
      if (pos + 4 > input.length) fail('truncated content checksum')
      const total = hashParts.reduce((n, c) => n + c.length, 0)
      const all = new Uint8Array(total)
      let o = 0
      for (const c of hashParts) {
        all.set(c, o)
        o += c.length
      }
      if (xxh32(all) !== u32(pos)) fail('content checksum')
      pos += 4
    }
  }
  if (!frames) throw new Lz4FormatError(file, 0, 'no LZ4 frame')
}
