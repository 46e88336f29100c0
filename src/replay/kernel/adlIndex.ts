// ADL rankings kept between claims: a scored queue and a position-ordered list per market·side, rebuilt only when
// what a score reads moved (see Adl.rankingFor), so deleveraging many claims in one bar does not re-rank every position.

/**
 * Counterparties by ADL score, highest first, ties by lower position index: the order of `RankQueue` over the same
 * positions. With no NaN score that order is total (equal infinities tie), so it does not depend on how the heap was
 * built or which entries were popped and pushed back, and a queue kept across claims pops what a fresh one would.
 */
export class ScoreQueue {
  private pos = new Int32Array(1024)
  private score = new Float64Array(1024)
  size = 0
  /** The score of the entry last popped. */
  popped = Number.NaN

  /** Empties the queue for a rebuild (push every entry, then `heapify`). */
  reset(capacity: number): void {
    if (capacity > this.pos.length) {
      this.pos = new Int32Array(capacity)
      this.score = new Float64Array(capacity)
    }
    this.size = 0
  }

  /** Appends without ordering (a rebuild: `heapify` after the last one). */
  append(p: number, s: number): void {
    if (this.size === this.pos.length) this.grow()
    this.pos[this.size] = p
    this.score[this.size++] = s
  }

  heapify(): void {
    for (let i = (this.size >>> 1) - 1; i >= 0; i--) this.down(i)
  }

  push(p: number, s: number): void {
    this.append(p, s)
    this.up(this.size - 1)
  }

  /** The highest-ranked position (its score in `popped`), or −1 when empty. */
  pop(): number {
    if (this.size === 0) return -1
    const top = this.pos[0]!
    this.popped = this.score[0]!
    const last = --this.size
    if (last > 0) {
      this.pos[0] = this.pos[last]!
      this.score[0] = this.score[last]!
      this.down(0)
    }
    return top
  }

  private grow(): void {
    const pos = new Int32Array(this.pos.length * 2)
    const score = new Float64Array(this.pos.length * 2)
    pos.set(this.pos)
    score.set(this.score)
    this.pos = pos
    this.score = score
  }

  /** Entry i ranks before entry j (RankQueue's comparison on positions). */
  private before(i: number, j: number): boolean {
    const d = this.score[j]! - this.score[i]!
    return d < 0 || (!(d > 0) && this.pos[i]! < this.pos[j]!)
  }

  private swap(i: number, j: number): void {
    const p = this.pos[i]!
    const s = this.score[i]!
    this.pos[i] = this.pos[j]!
    this.score[i] = this.score[j]!
    this.pos[j] = p
    this.score[j] = s
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(i, parent)) return
      this.swap(i, parent)
      i = parent
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1
      if (l >= this.size) return
      const r = l + 1
      const c = r < this.size && this.before(r, l) ? r : l
      if (!this.before(c, i)) return
      this.swap(c, i)
      i = c
    }
  }
}

/**
 * Counterparties in position order with the closed ones struck out (dYdX's random-start walk): the k-th remaining
 * one is found through a Fenwick tree of remaining counts, so a claim costs O(log n) plus the positions it visits.
 */
export class PositionOrder {
  order = new Int32Array(0)
  private alive = new Uint8Array(0)
  private tree = new Int32Array(1)
  length = 0
  remaining = 0

  /** Sets the list to `positions` (ascending), all remaining. */
  reset(positions: Int32Array, n: number): void {
    if (this.order.length < n) {
      this.order = new Int32Array(n)
      this.alive = new Uint8Array(n)
      this.tree = new Int32Array(n + 1)
    }
    this.order.set(positions.subarray(0, n))
    this.alive.fill(1, 0, n)
    this.length = n
    this.remaining = n
    // linear-time Fenwick build over all ones
    const t = this.tree
    t.fill(0, 0, n + 1)
    for (let i = 1; i <= n; i++) {
      t[i]! += 1
      const j = i + (i & -i)
      if (j <= n) t[j]! += t[i]!
    }
  }

  isAlive(i: number): boolean {
    return this.alive[i] === 1
  }

  /** Strikes out list entry i. */
  kill(i: number): void {
    if (this.alive[i] !== 1) return
    this.alive[i] = 0
    this.remaining--
    for (let j = i + 1; j <= this.length; j += j & -j) this.tree[j]! -= 1
  }

  /** List index of the k-th (0-based) remaining entry. */
  select(k: number): number {
    let at = 0
    let left = k + 1
    let step = 1
    while (step * 2 <= this.length) step *= 2
    for (; step > 0; step >>= 1) {
      const next = at + step
      if (next <= this.length && this.tree[next]! < left) {
        at = next
        left -= this.tree[next]!
      }
    }
    return at
  }

  /** List index of the next remaining entry after i, cyclically. */
  next(i: number): number {
    for (let j = i + 1; ; j++) {
      if (j === this.length) j = 0
      if (this.alive[j] === 1) return j
    }
  }
}
