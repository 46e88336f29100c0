// The sweep's shared population draws (kernel/spawnTape.ts): a reader whose generator is in the recorded state gets
// exactly what it would have drawn and its generator moves on as drawing would have moved it; any other reader
// draws itself. Pure: no store, milliseconds.
import { describe, expect, test } from 'vitest'
import { populationRuntime, populationSchema } from '../src/replay/kernel/population.ts'
import { Prng } from '../src/replay/kernel/prng.ts'
import { drawSpawn, SpawnTape, type SpawnDraws } from '../src/replay/kernel/spawnTape.ts'

const pop = populationRuntime(populationSchema.parse({ leverageMax: 75 }), [Number.NaN])
const blank = (): SpawnDraws => ({ side: 0, notional: 0, leverage: 0, hold: 0 })
/** n spawns' draws, each followed by one more draw of the stream (what a kernel draws between openings). */
function run(prng: Prng, n: number, draw: (i: number, out: SpawnDraws) => void): number[] {
  const seen: number[] = []
  for (let i = 0; i < n; i++) {
    const out = blank()
    draw(i, out)
    seen.push(out.side, out.notional, out.leverage, out.hold, prng.next())
  }
  return seen
}

describe('spawn tape', () => {
  test('a reader in the recorded state gets the draws and the stream of drawing itself; another draws itself', () => {
    const tape = new SpawnTape()
    const recorder = new Prng(7)
    const recorded = run(recorder, 5_000, (_, out) => tape.record(recorder, pop, out))
    const alone = new Prng(7)
    const expected = run(alone, 5_000, (_, out) => drawSpawn(alone, pop, out))
    expect(recorded).toEqual(expected)
    const reader = new Prng(7)
    expect(run(reader, 5_000, (i, out) => tape.read(i, reader, pop, out))).toEqual(expected)
    expect(tape.hits).toBe(5_000)
    // another seed never matches: it draws its own stream, exactly
    const other = new Prng(8)
    const otherAlone = new Prng(8)
    expect(run(other, 2_000, (i, out) => tape.read(i, other, pop, out))).toEqual(
      run(otherAlone, 2_000, (_, out) => drawSpawn(otherAlone, pop, out)),
    )
    expect(tape.hits).toBe(5_000)
    // a reader moved off the recorder's stream (one extra draw, as an ADL ranking takes) stays exact
    const moved = new Prng(7)
    const movedAlone = new Prng(7)
    moved.next()
    movedAlone.next()
    expect(run(moved, 1_000, (i, out) => tape.read(i, moved, pop, out))).toEqual(
      run(movedAlone, 1_000, (_, out) => drawSpawn(movedAlone, pop, out)),
    )
    expect(tape.hits).toBe(5_000)
  })

  test('after clear() nothing recorded before is read', () => {
    const tape = new SpawnTape()
    const recorder = new Prng(3)
    run(recorder, 10, (_, out) => tape.record(recorder, pop, out))
    const epoch = tape.epoch
    tape.clear()
    expect(tape.epoch).toBe(epoch + 1)
    // a reader in the state of entry 0 finds no entry: it draws itself (same values, its own generator moved)
    const reader = new Prng(3)
    const alone = new Prng(3)
    expect(run(reader, 10, (i, out) => tape.read(i, reader, pop, out))).toEqual(
      run(alone, 10, (_, out) => drawSpawn(alone, pop, out)),
    )
    expect(tape.hits).toBe(0)
    // what is recorded after the clear is read from entry 0 again
    const again = new Prng(5)
    run(again, 10, (_, out) => tape.record(again, pop, out))
    const next = new Prng(5)
    run(next, 10, (i, out) => tape.read(i, next, pop, out))
    expect(tape.hits).toBe(10)
  })
})
