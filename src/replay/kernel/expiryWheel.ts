// Expiry times of synthetic positions in fixed-width time buckets (a timing wheel): O(1) to add, and expiries are
// taken bucket by bucket as time passes, so population churn costs no heap operations. A position closed earlier
// (liquidated) is skipped when its bucket comes up: entries carry the position's serial.

export class ExpiryWheel {
  private readonly mask: number
  private readonly head: Int32Array
  private pos: Int32Array
  private serial: Float64Array
  private next: Int32Array
  private free = -1
  private top = 0
  /** Absolute index of the first bucket not yet drained. */
  private cursor = -1
  /** Time at which the cursor bucket ends (events at or after it drain it). */
  due = Infinity
  size = 0

  /** @param widthUs bucket width; expiries happen at the end of their bucket. @param bits 2^bits buckets (horizon). */
  constructor(
    readonly widthUs: number,
    bits = 16,
    capacity = 1024,
  ) {
    this.mask = (1 << bits) - 1
    this.head = new Int32Array(1 << bits).fill(-1)
    this.pos = new Int32Array(capacity)
    this.serial = new Float64Array(capacity)
    this.next = new Int32Array(capacity)
  }

  /** Adds position `pos` (with its serial) expiring at `ts`, at least one bucket after `now`. */
  add(pos: number, serial: number, ts: number, now: number): void {
    const nowBucket = Math.floor(now / this.widthUs)
    if (this.cursor < 0) {
      this.cursor = nowBucket
      this.due = (nowBucket + 1) * this.widthUs
    }
    // beyond the horizon the last bucket holds it (the wheel covers 2^bits widths)
    const bucket = Math.min(Math.max(Math.floor(ts / this.widthUs), this.cursor), this.cursor + this.mask)
    let node = this.free
    if (node >= 0) this.free = this.next[node]!
    else {
      if (this.top === this.pos.length) this.grow()
      node = this.top++
    }
    this.pos[node] = pos
    this.serial[node] = serial
    const b = bucket & this.mask
    this.next[node] = this.head[b]!
    this.head[b] = node
    this.size++
  }

  /** Calls `expire(pos, serial)` for every entry whose bucket ended at or before `t`, oldest bucket first. */
  drain(t: number, expire: (pos: number, serial: number) => void): void {
    const until = Math.floor(t / this.widthUs)
    // a jump longer than the horizon visits every bucket once
    const last = Math.min(until, this.cursor + this.mask + 1)
    for (let abs = this.cursor; abs < last; abs++) {
      const b = abs & this.mask
      let node = this.head[b]!
      this.head[b] = -1
      while (node >= 0) {
        const following = this.next[node]!
        expire(this.pos[node]!, this.serial[node]!)
        this.next[node] = this.free
        this.free = node
        this.size--
        node = following
      }
    }
    this.cursor = until
    this.due = (until + 1) * this.widthUs
  }

  private grow(): void {
    const n = this.pos.length * 2
    const p = new Int32Array(n)
    p.set(this.pos)
    const s = new Float64Array(n)
    s.set(this.serial)
    const x = new Int32Array(n)
    x.set(this.next)
    this.pos = p
    this.serial = s
    this.next = x
  }
}
