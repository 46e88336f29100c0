// Oracle front-running (venue-rules §3.8): accounts that open positions within Δt before a large oracle update, in
// the direction it then moves, and close them after it in profit. Large updates the same way closer than a gap are one
// event (a pump is one event, however many prints it takes, so riding a trend is not foreknowledge; a reversal is new
// information), and each account makes one call per event it round-tripped: the sign of what it opened before the
// event's updates and closed after them
// (opening and holding is ordinary flow, not a call). Linked accounts (account_links without hot-wallet sources) are
// one actor: front-runners split their trades over a few wallets. Whether an actor's calls
// match the events' directions more often than chance is a one-sided binomial test (p = ½ under no foreknowledge),
// Bonferroni-corrected for the number of actors tested: market makers trade both ways and stay near ½, a
// front-runner is right nearly every time.
import { z } from 'zod'
import { linkClusters } from '../incidents/group.ts'
import { readAccountLinks } from '../store/detect/accounts.ts'
import { readFlowsNear, readOracleUpdates } from '../store/detect/oracle.ts'
import { listPriceSeries, type SeriesInfo } from '../store/detect/priceSeries.ts'
import { HOUR_US, iso, round, SECOND_US } from './common.ts'
import { defineDetector, gap, type DetectionDraft } from './detector.ts'
import { severityOf, type Level } from './severity.ts'
import { binomialUpperTail } from './stats/binomial.ts'
import { MAD_TO_SIGMA } from './stats/robust.ts'

export const oracleFrontRunningParams = z.strictObject({
  /** Openings this long before an update count (Δt). */
  beforeSeconds: z.number().gt(0).default(60),
  /** Closings this long after an update count. */
  afterSeconds: z.number().gt(0).default(900),
  /**
   * A large update moves the oracle at least this much (log; venue-rules §3.8: "an oracle update that moved ≥ x %";
   * 0.5 % is a common push-oracle deviation threshold) …
   */
  minMove: z.number().gt(0).default(0.005),
  /**
   * … and, when above 0, at least this many robust σ of the source's update returns (for continuous oracles whose
   * ordinary prints are small; a push oracle's prints are all about its deviation threshold, so it is off by default).
   */
  moveSigma: z.number().min(0).default(0),
  /** The robust σ of update returns is taken over this many previous updates (and history this long is read). */
  baselineUpdates: z.number().int().min(10).default(1000),
  baselineHours: z.number().gt(0).default(24),
  /** Large updates closer than this are one event. */
  eventGapSeconds: z.number().gt(0).default(300),
  /** Events an account front-ran (opened before in the event's direction, closed after in profit) for a detection. */
  minHits: z.number().int().min(1).default(4),
  /** Same-funding-source links through a source that funded more accounts than this are ignored (hot wallets). */
  linkHubSize: z.number().int().min(2).default(20),
  /** Binomial p-value × actors tested (Bonferroni) for a warning / for critical. */
  pWarning: z.number().gt(0).lt(1).default(0.01),
  pCritical: z.number().gt(0).lt(1).default(1e-4),
  /** Floor of the robust σ of update returns. */
  returnScaleFloor: z.number().gt(0).default(1e-4),
})
export type OracleFrontRunningParams = z.output<typeof oracleFrontRunningParams>

interface Flow {
  base: number
  quote: number
}

interface AccountScore {
  aligned: number
  against: number
  hits: Array<{ update: number; openedBase: number; closedBase: number; profit: number }>
  profit: number
}

export const oracleFrontRunning = defineDetector<OracleFrontRunningParams>({
  id: 'oracle-front-running',
  version: '1.4.0',
  label: 'Oracle front-running',
  params: oracleFrontRunningParams,
  usesRunOutputs: false,
  requirements(data, target) {
    const out = []
    if (!data.market.prices.oracle) out.push(gap(target, 'prices', 'oracle prices (kind oracle) of the market'))
    if (!data.market.fills) out.push(gap(target, 'fills', 'account fills of the market'))
    return out
  },
  async detect(stores, target, p) {
    const baselineUs = Math.round(p.baselineHours * HOUR_US)
    // the venue's own oracle source first, then the one with most prints
    const own = (s: SeriesInfo) => (s.key.source === target.venue ? 0 : 1)
    const sources = (await listPriceSeries(stores.duck, target.venue, target.market, target.fromUs, target.toUs))
      .filter((s) => s.key.table === 'prices' && s.key.kind === 'oracle')
      .sort((a, b) => own(a) - own(b) || b.rows - a.rows || (a.label < b.label ? -1 : 1))
    const oracle = sources[0]
    if (!oracle || oracle.key.table !== 'prices') return []
    const u = await readOracleUpdates(
      stores.duck,
      target.venue,
      target.market,
      oracle.key.source,
      target.fromUs - baselineUs,
      target.toUs,
      p.baselineUpdates,
    )
    const large: number[] = []
    for (let i = 0; i < u.ts.length; i++) {
      if (u.ts[i]! < target.fromUs || !Number.isFinite(u.ret[i]!)) continue
      const sigma = Math.max(MAD_TO_SIGMA * (u.retMad[i]! || 0), p.returnScaleFloor)
      const off = Math.abs(u.ret[i]! - (Number.isFinite(u.retMedian[i]!) ? u.retMedian[i]! : 0))
      if (Math.abs(u.ret[i]!) >= p.minMove && off >= p.moveSigma * sigma) large.push(i)
    }
    if (!large.length) return []
    const beforeUs = p.beforeSeconds * SECOND_US
    const afterUs = p.afterSeconds * SECOND_US
    const near = await readFlowsNear(
      stores.duck,
      target.venue,
      target.market,
      large.map((i) => u.ts[i]!),
      beforeUs,
      afterUs,
    )
    // events: large updates closer than the gap, with the direction of their net move
    const gapUs = p.eventGapSeconds * SECOND_US
    const eventOf = new Int32Array(large.length)
    const events: Array<{ first: number; last: number; direction: number; move: number }> = []
    for (let k = 0; k < large.length; k++) {
      const i = large[k]!
      const prev = events[events.length - 1]
      // a pump is monotone: an update the other way is new information, and starts an event of its own
      const sameWay = prev !== undefined && Math.sign(u.ret[i]!) === Math.sign(u.ret[large[prev.last]!]!)
      if (prev && sameWay && u.ts[i]! - u.ts[large[prev.last]!]! <= gapUs) prev.last = k
      else events.push({ first: k, last: k, direction: 0, move: 0 })
      eventOf[k] = events.length - 1
    }
    for (const e of events) {
      for (let k = e.first; k <= e.last; k++) e.move += u.ret[large[k]!]!
      e.direction = Math.sign(e.move)
    }
    // per actor (linked accounts together) and event: what it opened before the event's updates, and closed after
    const links = await readAccountLinks(stores.duck, target.venue, null, p.linkHubSize)
    const clusters = linkClusters(links.map((l) => [l.account, l.linked]))
    const members = new Map<string, Set<string>>()
    const calls = new Map<string, Map<number, { before: Flow; after: Flow }>>()
    for (let row = 0; row < near.center.length; row++) {
      const e = eventOf[near.center[row]!]!
      const a = clusters.get(near.account[row]!) ?? near.account[row]!
      members.set(a, (members.get(a) ?? new Set()).add(near.account[row]!))
      const perAccount = calls.get(a) ?? new Map<number, { before: Flow; after: Flow }>()
      const c = perAccount.get(e) ?? { before: { base: 0, quote: 0 }, after: { base: 0, quote: 0 } }
      c.before.base += near.beforeBase[row]!
      c.before.quote += near.beforeQuote[row]!
      c.after.base += near.afterBase[row]!
      c.after.quote += near.afterQuote[row]!
      perAccount.set(e, c)
      calls.set(a, perAccount)
    }
    // a call is a round trip: opened in the Δt before the event's updates and (partly) closed after them. Whether it
    // was opened before the update is the front-runner's whole pattern; which way it went is the test. Ordinary flow
    // — traders who opened before an update and held on — is not a call: counting it would fill the Bonferroni family
    // with every busy account of a busy market and hide a front-runner whose record is near perfect.
    const scores = new Map<string, AccountScore>()
    for (const [a, perAccount] of calls) {
      const s: AccountScore = { aligned: 0, against: 0, hits: [], profit: 0 }
      for (const [e, c] of perAccount) {
        const d = events[e]!.direction
        if (Math.abs(c.before.base) < 1e-12 || d === 0 || !(c.after.base * c.before.base < 0)) continue
        if (c.before.base * d < 0) {
          s.against++
          continue
        }
        s.aligned++
        const q = Math.min(Math.abs(c.before.base), Math.abs(c.after.base))
        const profit = q * (c.after.quote / c.after.base - c.before.quote / c.before.base) * d
        if (profit > 0) {
          s.hits.push({ update: large[events[e]!.first]!, openedBase: c.before.base, closedBase: c.after.base, profit })
          s.profit += profit
        }
      }
      if (s.aligned + s.against > 0) scores.set(a, s)
    }
    // the Bonferroni family: actors with at least minHits round trips, the only ones that can be flagged (a count fixed
    // before the calls' directions are looked at, so leaving the others out keeps the family-wise error bound)
    let tested = 0
    for (const s of scores.values()) if (s.aligned + s.against >= p.minHits) tested++
    const drafts: DetectionDraft[] = []
    const ranked = [...scores].sort(([a, x], [b, y]) => y.hits.length - x.hits.length || (a < b ? -1 : 1))
    for (const [account, s] of ranked) {
      const n = s.aligned + s.against
      const pValue = binomialUpperTail(s.aligned, n, 0.5)
      const corrected = Math.min(1, pValue * tested)
      if (s.hits.length < p.minHits || corrected > p.pWarning || !(s.profit > 0)) continue
      const level: Level = corrected <= p.pCritical ? 3 : 2
      const times = s.hits.map((h) => u.ts[h.update]!)
      drafts.push({
        windowFromUs: Math.min(...times) - beforeUs,
        windowToUs: Math.max(...times) + afterUs,
        accounts: [...members.get(account)!].sort(),
        score: -Math.log10(Math.max(corrected, 1e-300)),
        severity: severityOf(level),
        estimatedProfitQuote: s.profit,
        evidence: {
          statistic:
            'one-sided binomial test: openings within Δt before large oracle updates in the update’s direction (p = ½)',
          oracle: oracle.label,
          thresholds: {
            beforeSeconds: p.beforeSeconds,
            afterSeconds: p.afterSeconds,
            minMove: p.minMove,
            moveSigma: p.moveSigma,
            eventGapSeconds: p.eventGapSeconds,
            minHits: p.minHits,
            pWarning: p.pWarning,
            pCritical: p.pCritical,
          },
          largeUpdates: large.length,
          events: events.length,
          alignedEvents: s.aligned,
          againstEvents: s.against,
          pValue,
          actorsTested: tested,
          actorsWithCalls: scores.size,
          bonferroniP: corrected,
          roundTrips: s.hits.length,
          profit: round(s.profit),
          hits: s.hits.slice(0, 20).map((h) => ({
            update: iso(u.ts[h.update]!),
            oracleFrom: round(u.price[h.update - 1] ?? Number.NaN),
            oracleTo: round(u.price[h.update]!),
            move: round(u.ret[h.update]!, 5),
            openedBase: round(h.openedBase),
            closedBase: round(h.closedBase),
            profit: round(h.profit),
          })),
        },
      })
    }
    return drafts
  },
})
