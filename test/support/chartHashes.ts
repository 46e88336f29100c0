// Prints the sha256 of every fixture chart's SVG as JSON (run as a child process under another TZ by the test).
import crypto from 'node:crypto'
import { fixtureCharts } from './chartFixtures.ts'

const charts = await fixtureCharts()
console.log(
  JSON.stringify(
    Object.fromEntries(charts.map((c) => [c.name, crypto.createHash('sha256').update(c.svg).digest('hex')])),
  ),
)
