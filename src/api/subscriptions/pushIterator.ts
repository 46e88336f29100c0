// An async iterator fed by pushes (event listeners, pollers): what a subscription resolver returns. Unlike an async
// generator blocked on its next event, return() ends it at once, so a client that unsubscribes (or a socket that
// closes) releases its listener and timers immediately instead of at the next event.
export interface PushIterator<T> extends AsyncIterableIterator<T> {
  push(value: T): void
  /** No more values: pending next() calls get done once the queue is drained. */
  end(): void
  fail(error: unknown): void
  readonly closed: boolean
}

/**
 * `onClose` runs once, when the iterator ends for any reason (end, fail, return). `replaceTail(tail, next)` may say
 * that a queued value is superseded by the next one (a slow reader then gets the newest progress, not every step).
 */
export function pushIterator<T>(onClose: () => void, replaceTail?: (tail: T, next: T) => boolean): PushIterator<T> {
  const queue: T[] = []
  const waiting: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }> = []
  let ended = false
  let failure: { error: unknown } | null = null
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    onClose()
  }
  const settleWaiting = () => {
    while (waiting.length && (queue.length || ended)) {
      const w = waiting.shift()!
      if (queue.length) w.resolve({ value: queue.shift()!, done: false })
      else if (failure) {
        const { error } = failure
        failure = null
        w.reject(error)
      } else w.resolve({ value: undefined, done: true })
    }
  }
  const iterator: PushIterator<T> = {
    get closed() {
      return closed
    },
    push(value) {
      if (ended) return
      const tail = queue.at(-1)
      if (tail !== undefined && replaceTail?.(tail, value)) queue[queue.length - 1] = value
      else queue.push(value)
      settleWaiting()
    },
    end() {
      if (ended) return
      ended = true
      close()
      settleWaiting()
    },
    fail(error) {
      if (ended) return
      failure = { error }
      iterator.end()
    },
    next() {
      if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false })
      if (ended) {
        if (failure) {
          const { error } = failure
          failure = null
          return Promise.reject(error)
        }
        return Promise.resolve({ value: undefined, done: true })
      }
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }))
    },
    return() {
      queue.length = 0
      failure = null
      iterator.end()
      return Promise.resolve({ value: undefined, done: true })
    },
    [Symbol.asyncIterator]() {
      return iterator
    },
  }
  return iterator
}
