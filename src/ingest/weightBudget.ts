// A request-weight budget per time window (Hyperliquid: 1200 weight per minute per IP; Pyth Benchmarks: requests per
// 10 s), shared by every request of a run, so a back-fill stays under the limit instead of living on 429s.

export interface WeightBudgetOptions {
  /** Weight the window allows. */
  capacity: number
  windowMs: number
  /** Injectable clock and sleep, for tests. */
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

const realSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })

/**
 * A token bucket refilled continuously at capacity per window. `take` waits until the request's known weight fits;
 * weight only known from the response (items returned) is charged afterwards with `charge`, which may overdraw the
 * bucket: the next requests then wait for it to refill, as the venue would make them wait.
 */
export class WeightBudget {
  private tokens: number
  private last: number
  private queue: Promise<void> = Promise.resolve()
  private readonly now: () => number
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Total weight spent, for logs and tests. */
  spent = 0

  constructor(readonly options: WeightBudgetOptions) {
    if (!(options.capacity > 0) || !(options.windowMs > 0)) throw new Error('a weight budget needs a positive capacity')
    this.now = options.now ?? (() => performance.now())
    this.sleep = options.sleep ?? realSleep
    this.tokens = options.capacity
    this.last = this.now()
  }

  private refill(): void {
    const now = this.now()
    const rate = this.options.capacity / this.options.windowMs
    this.tokens = Math.min(this.options.capacity, this.tokens + (now - this.last) * rate)
    this.last = now
  }

  /** Waits until `weight` is available and spends it. Callers are served in order. */
  take(weight: number, signal?: AbortSignal): Promise<void> {
    const need = Math.min(weight, this.options.capacity)
    const turn = this.queue.then(async () => {
      for (;;) {
        this.refill()
        if (this.tokens >= need) {
          this.tokens -= weight
          this.spent += weight
          return
        }
        const rate = this.options.capacity / this.options.windowMs
        await this.sleep(Math.ceil((need - this.tokens) / rate), signal)
      }
    })
    // A failed wait (aborted) must not block the callers behind it.
    this.queue = turn.catch(() => undefined)
    return turn
  }

  /** Spends weight learnt after the fact (per items returned); may overdraw the bucket. */
  charge(weight: number): void {
    if (weight <= 0) return
    this.refill()
    this.tokens -= weight
    this.spent += weight
  }
}
