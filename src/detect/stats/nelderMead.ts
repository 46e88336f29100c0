// Nelder–Mead simplex minimisation (deterministic, derivative-free), for small maximum-likelihood fits. The
// iterations are a generator, so a long fit can be driven in slices that leave the event loop free (the same steps,
// so the same result, whichever way it is driven).

export interface NelderMeadResult {
  x: number[]
  value: number
  iterations: number
}

export interface NelderMeadOptions {
  step?: number
  maxIterations?: number
  tolerance?: number
}

/** Runs the minimisation to its end on this turn of the event loop. */
export function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  options: NelderMeadOptions = {},
): NelderMeadResult {
  return runToEnd(nelderMeadSteps(f, start, options))
}

/** Drives a generator of steps to its end and returns its result. */
export function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next()
    if (next.done) return next.value
  }
}

/**
 * Drives a generator of steps to its end, handing the event loop back whenever `sliceMs` of steps have run: what a
 * server's detector run does so that one large fit does not hold every request for seconds.
 */
export async function runInSlices<T>(steps: Generator<void, T>, sliceMs = 20): Promise<T> {
  let sliceStart = performance.now()
  for (;;) {
    const next = steps.next()
    if (next.done) return next.value
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      sliceStart = performance.now()
    }
  }
}

/** The minimisation as steps: one yield per iteration. */
export function* nelderMeadSteps(
  f: (x: number[]) => number,
  start: number[],
  options: NelderMeadOptions = {},
): Generator<void, NelderMeadResult> {
  const dim = start.length
  const step = options.step ?? 0.5
  const maxIterations = options.maxIterations ?? 400 * dim
  const tolerance = options.tolerance ?? 1e-9
  const safe = (x: number[]) => {
    const v = f(x)
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY
  }
  let simplex = [start.slice()]
  for (let i = 0; i < dim; i++) {
    const p = start.slice()
    p[i] = p[i]! + step
    simplex.push(p)
  }
  let values = simplex.map(safe)
  let iterations = 0
  for (; iterations < maxIterations; iterations++) {
    yield
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1])
    simplex = order.map(([, i]) => simplex[i]!)
    values = order.map(([v]) => v)
    if (Math.abs(values[dim]! - values[0]!) <= tolerance * (Math.abs(values[0]!) + tolerance)) break
    const centroid = new Array<number>(dim).fill(0)
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) centroid[j]! += simplex[i]![j]! / dim
    const worst = simplex[dim]!
    const along = (t: number) => centroid.map((c, j) => c + t * (c - worst[j]!))
    const reflected = along(1)
    const fr = safe(reflected)
    if (fr < values[0]!) {
      const expanded = along(2)
      const fe = safe(expanded)
      if (fe < fr) {
        simplex[dim] = expanded
        values[dim] = fe
      } else {
        simplex[dim] = reflected
        values[dim] = fr
      }
      continue
    }
    if (fr < values[dim - 1]!) {
      simplex[dim] = reflected
      values[dim] = fr
      continue
    }
    const contracted = fr < values[dim]! ? along(0.5) : along(-0.5)
    const fc = safe(contracted)
    if (fc < Math.min(fr, values[dim]!)) {
      simplex[dim] = contracted
      values[dim] = fc
      continue
    }
    // shrink towards the best point
    for (let i = 1; i <= dim; i++) {
      simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + 0.5 * (v - simplex[0]![j]!))
      values[i] = safe(simplex[i]!)
    }
  }
  let best = 0
  for (let i = 1; i <= dim; i++) if (values[i]! < values[best]!) best = i
  return { x: simplex[best]!, value: values[best]!, iterations }
}
