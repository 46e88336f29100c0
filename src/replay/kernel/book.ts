// Positions and accounts as struct-of-arrays with free-slot reuse, so the hot loop allocates nothing per event.

/** Position state codes. */
export const PosState = { FREE: 0, OPEN: 1 } as const

/** Where a position sits besides its heap: waiting lists are checked on every event of its market. */
export const Waiting = { NONE: 0, COOLDOWN: 1, PAUSED: 2, RETRY: 3 } as const

export class PositionBook {
  capacity: number
  count = 0
  /** Account index, or −1 for a synthetic isolated position (named by `serial`). */
  account: Int32Array
  market: Uint16Array
  side: Int8Array
  qty: Float64Array
  entry: Float64Array
  /** Isolated margin in micro-units (exact integer); cross positions use the account's wallet. */
  margin: Float64Array
  /** Trigger price in the position's heap (±Infinity: never pops). */
  key: Float64Array
  /** Index in the market heap holding the position, −1 when in none. */
  slot: Int32Array
  state: Uint8Array
  waiting: Uint8Array
  /** Negative equity already recorded as a deficit (so it is recorded once). */
  negativeRecorded: Uint8Array
  cooldownUntil: Float64Array
  /** Synthetic positions' serial (their name, syn-<serial>); −1 for account positions. */
  serial: Float64Array
  openTs: Float64Array
  /** Next position of the same account (linked list), −1 at the end. */
  nextInAccount: Int32Array
  /** First funding event of its market not yet paid (synthetic positions settle funding lazily). */
  fundFrom: Int32Array
  /** The market's socialized loss per unit of base (MarketState.socialCum) this synthetic position has paid up to. */
  socialAt: Float64Array
  private freeList: Int32Array
  private freeCount = 0
  private top = 0
  /** Called after growth so heaps can point at the new arrays. */
  onGrow: (() => void) | null = null

  constructor(capacity = 1024) {
    this.capacity = capacity
    this.account = new Int32Array(capacity)
    this.market = new Uint16Array(capacity)
    this.side = new Int8Array(capacity)
    this.qty = new Float64Array(capacity)
    this.entry = new Float64Array(capacity)
    this.margin = new Float64Array(capacity)
    this.key = new Float64Array(capacity)
    this.slot = new Int32Array(capacity).fill(-1)
    this.state = new Uint8Array(capacity)
    this.waiting = new Uint8Array(capacity)
    this.negativeRecorded = new Uint8Array(capacity)
    this.cooldownUntil = new Float64Array(capacity)
    this.serial = new Float64Array(capacity)
    this.openTs = new Float64Array(capacity)
    this.nextInAccount = new Int32Array(capacity).fill(-1)
    this.fundFrom = new Int32Array(capacity)
    this.socialAt = new Float64Array(capacity)
    this.freeList = new Int32Array(capacity)
  }

  /** A free slot (lowest released first is not guaranteed, but the order is deterministic). */
  alloc(): number {
    let p: number
    if (this.freeCount > 0) p = this.freeList[--this.freeCount]!
    else {
      if (this.top === this.capacity) this.grow()
      p = this.top++
    }
    this.state[p] = PosState.OPEN
    this.waiting[p] = Waiting.NONE
    this.negativeRecorded[p] = 0
    this.cooldownUntil[p] = 0
    this.slot[p] = -1
    this.nextInAccount[p] = -1
    this.count++
    return p
  }

  release(p: number): void {
    this.state[p] = PosState.FREE
    this.qty[p] = 0
    this.margin[p] = 0
    this.freeList[this.freeCount++] = p
    this.count--
  }

  /** Highest slot ever used + 1 (iteration bound). */
  get extent(): number {
    return this.top
  }

  private grow(): void {
    const cap = this.capacity * 2
    const g = <T extends Float64Array | Int32Array | Uint16Array | Int8Array | Uint8Array>(a: T, fill?: number): T => {
      const b = new (a.constructor as new (n: number) => T)(cap)
      if (fill !== undefined) b.fill(fill)
      b.set(a)
      return b
    }
    this.account = g(this.account)
    this.market = g(this.market)
    this.side = g(this.side)
    this.qty = g(this.qty)
    this.entry = g(this.entry)
    this.margin = g(this.margin)
    this.key = g(this.key)
    this.slot = g(this.slot, -1)
    this.state = g(this.state)
    this.waiting = g(this.waiting)
    this.negativeRecorded = g(this.negativeRecorded)
    this.cooldownUntil = g(this.cooldownUntil)
    this.serial = g(this.serial)
    this.openTs = g(this.openTs)
    this.nextInAccount = g(this.nextInAccount, -1)
    this.fundFrom = g(this.fundFrom)
    this.socialAt = g(this.socialAt)
    this.freeList = g(this.freeList)
    this.capacity = cap
    this.onGrow?.()
  }
}

export class AccountBook {
  names: string[] = []
  /** Wallet in micro-units: the collateral of cross positions; where isolated margin and PnL return. */
  wallet: Float64Array
  cross: Uint8Array
  /** First position (linked through PositionBook.nextInAccount), −1 when flat. */
  head: Int32Array
  positions: Uint16Array
  /** Positions in more than one market: checked on every price event of those markets (slower, exact). */
  multi: Uint8Array
  /** An unresolved negative balance (withdrawal gating while any exists [D3]). */
  inDeficit: Uint8Array

  constructor(capacity = 16) {
    this.wallet = new Float64Array(capacity)
    this.cross = new Uint8Array(capacity)
    this.head = new Int32Array(capacity).fill(-1)
    this.positions = new Uint16Array(capacity)
    this.multi = new Uint8Array(capacity)
    this.inDeficit = new Uint8Array(capacity)
  }

  get count(): number {
    return this.names.length
  }

  add(name: string, cross: boolean, walletMicros: number): number {
    const i = this.names.length
    if (i === this.wallet.length) {
      const cap = i * 2
      const grow = <T extends Float64Array | Int32Array | Uint16Array | Uint8Array>(a: T, fill = 0): T => {
        const b = new (a.constructor as new (n: number) => T)(cap)
        b.fill(fill as never)
        b.set(a)
        return b
      }
      this.wallet = grow(this.wallet)
      this.cross = grow(this.cross)
      this.head = grow(this.head, -1)
      this.positions = grow(this.positions)
      this.multi = grow(this.multi)
      this.inDeficit = grow(this.inDeficit)
    }
    this.names.push(name)
    this.wallet[i] = walletMicros
    this.cross[i] = cross ? 1 : 0
    return i
  }
}
