// Report charts are pure functions of their series: the same input gives byte-identical SVG (hashes recorded in
// test/golden/report-charts.json), in any process time zone, with UTC axes, titles, units, legends and every mark.
import crypto from 'node:crypto'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import type { RenderedChart } from '../src/report/charts/render.ts'
import { renderSvg } from '../src/report/charts/render.ts'
import { fixtureCharts, fixtureSpecs } from './support/chartFixtures.ts'

const GOLDEN = path.join(import.meta.dirname, 'golden', 'report-charts.json')
const sha = (text: string) => crypto.createHash('sha256').update(text).digest('hex')
/** Set UPDATE_GOLDEN=1 to record new hashes after an intended change of the charts' look. */
const update = process.env.UPDATE_GOLDEN === '1'

let charts: RenderedChart[]
const chart = (name: string) => charts.find((c) => c.name === name)!
beforeAll(async () => {
  charts = await fixtureCharts()
})

describe('report charts', () => {
  test('each SVG hashes to its golden value, and rendering twice gives the same text', async () => {
    const hashes = Object.fromEntries(charts.map((c) => [c.name, sha(c.svg)]))
    if (update) fs.writeFileSync(GOLDEN, `${JSON.stringify(hashes, null, 2)}\n`)
    expect(hashes).toEqual(JSON.parse(fs.readFileSync(GOLDEN, 'utf8')))
    const again = await fixtureCharts()
    expect(again.map((c) => sha(c.svg))).toEqual(charts.map((c) => sha(c.svg)))
  })

  test('the same hashes in a process whose time zone is not UTC (axes are UTC, never local time)', () => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'support', 'chartHashes.ts')],
      {
        env: { ...process.env, TZ: 'Asia/Kolkata' },
        encoding: 'utf8',
      },
    )
    expect(JSON.parse(out)).toEqual(Object.fromEntries(charts.map((c) => [c.name, sha(c.svg)])))
  })

  test('titles, unit axis titles, UTC time labels and legends are in the SVG', () => {
    const fund = chart('fund-balance').svg
    expect(fund).toContain('Insurance fund balance')
    expect(fund).toContain('Balance (USDT)')
    expect(fund).toContain('Time (UTC)')
    // the series starts at 09:00 UTC (14:30 in Asia/Kolkata): labels are 24-hour UTC times
    expect(fund).toMatch(/>09:00</)
    expect(fund).toMatch(/>13:00</)
    expect(fund).not.toMatch(/ AM<| PM</)
    expect(fund).toContain('role-legend')
    const timeline = chart('incident-1').svg
    for (const series of ['venue price', 'mark', 'oracle', 'reference', 'long', 'short'])
      expect(timeline).toContain(`>${series}<`)
    expect(timeline).toMatch(/>09:30</)
    expect(chart('liquidations-by-hour').svg).toContain('Liquidated notional (USDT)')
    expect(chart('deficits-by-incident').svg).toContain('#1 BTCUSDT 10-10 09:21')
  })

  test('every data point becomes a mark: bars per hour and kind, one symbol per liquidation', () => {
    const count = (svg: string, role: string) => {
      const group = svg.split(`role-${role}`).slice(1)
      return group.length
    }
    // 24 hours × 2 kinds, minus the zero-count partial rows stacked as empty bars: vega draws every datum as a path
    const bars = chart('liquidations-by-hour').svg.match(/<path aria-label="[^"]*Hour \(UTC\)[^"]*"/g) ?? []
    expect(bars.length).toBe(48)
    const symbols = chart('incident-1').svg.match(/<path aria-label="[^"]*Liquidated: (long|short)[^"]*"/g) ?? []
    expect(symbols.length).toBe(3)
    expect(count(chart('comparison-fund').svg, 'mark')).toBeGreaterThan(0)
  })

  test('vega-lite compiles every chart spec without a warning', async () => {
    const warnings: string[] = []
    for (const spec of await fixtureSpecs()) await renderSvg(spec, warnings)
    expect(warnings).toEqual([])
  })

  test('text from the data is escaped in the SVG', async () => {
    const svg = await renderSvg({
      data: { values: [{ a: '<script>alert(1)</script>', b: 1 }] },
      mark: 'bar',
      encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } },
    })
    expect(svg).not.toContain('<script>')
    expect(svg).toContain('&lt;script&gt;')
  })

  test('a spec that asks for remote data is refused, not fetched', async () => {
    await expect(renderSvg({ data: { url: 'http://example.invalid/data.json' }, mark: 'point' })).rejects.toThrow(
      /inline data only/,
    )
  })
})
