// Chainlink round dumps as CSV (`df.to_csv` of getRoundData walks, as in ../shared/data/chainlink-rounds): an unnamed
// pandas index column, then round, answer, start, update, answeredInRound. Some dumps name those five columns 0…4
// instead (header drift); both layouts are read, anything else is refused with the line that does not fit.
import fs from 'node:fs'
import path from 'node:path'
import { isZeroRound, type Round } from './rounds.ts'

const FIELDS = ['round', 'answer', 'start', 'update', 'answeredInRound'] as const
type Field = (typeof FIELDS)[number]

/** Header names each field is known by. */
const NAMES: Readonly<Record<Field, readonly string[]>> = {
  round: ['round', 'roundid', '0'],
  answer: ['answer', '1'],
  start: ['start', 'startedat', '2'],
  update: ['update', 'updatedat', '3'],
  answeredInRound: ['answeredinround', '4'],
}

export class CsvDumpError extends Error {
  constructor(file: string, line: number, detail: string) {
    super(`${file}, line ${line}: ${detail}`)
    this.name = 'CsvDumpError'
  }
}

export interface CsvDump {
  file: string
  /** Data rows in the file. */
  rows: number
  /** Non-empty rounds, oldest first. */
  rounds: Round[]
  /** Rounds whose answer and times are all zero (round 0 at a phase start), skipped. */
  zeroRounds: bigint[]
  /** Which header layout the file had. */
  layout: 'named' | 'numbered'
}

export function readCsvDump(file: string): CsvDump {
  const name = path.basename(file)
  const lines = fs
    .readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase())
  // The pandas index column has an empty name; a dump written without it starts with the first field.
  const offset = header[0] === '' ? 1 : 0
  const index = new Map<Field, number>()
  for (const field of FIELDS) {
    const at = header.findIndex((h, i) => i >= offset && NAMES[field].includes(h))
    if (at >= 0) index.set(field, at)
  }
  if (index.size !== FIELDS.length || header.length !== FIELDS.length + offset) {
    throw new CsvDumpError(
      name,
      1,
      `header ${JSON.stringify(lines[0])} does not match ",round,answer,start,update,answeredInRound" or ",0,1,2,3,4"`,
    )
  }
  const layout = header.slice(offset).every((h) => /^\d$/.test(h)) ? 'numbered' : 'named'
  const rounds: Round[] = []
  const zeroRounds: bigint[] = []
  let rows = 0
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '') continue
    rows++
    const cells = line.split(',')
    if (cells.length !== header.length)
      throw new CsvDumpError(name, i + 1, `received ${cells.length} fields; expected ${header.length}`)
    const value = (field: Field): bigint => {
      const text = cells[index.get(field)!]!.trim()
      if (!/^-?\d+$/.test(text))
        throw new CsvDumpError(name, i + 1, `column ${field}: received ${JSON.stringify(text)}; expected an integer`)
      return BigInt(text)
    }
    const round: Round = {
      roundId: value('round'),
      answer: value('answer'),
      startedAt: Number(value('start')),
      updatedAt: Number(value('update')),
      answeredInRound: value('answeredInRound'),
    }
    if (isZeroRound(round)) zeroRounds.push(round.roundId)
    else rounds.push(round)
  }
  // Dumps are newest first; rounds are used oldest first (by time, then id for rounds updated in one block).
  rounds.sort((a, b) => a.updatedAt - b.updatedAt || (a.roundId < b.roundId ? -1 : a.roundId > b.roundId ? 1 : 0))
  return { file: name, rows, rounds, zeroRounds, layout }
}
