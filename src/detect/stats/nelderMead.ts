// Nelder–Mead simplex minimisation (deterministic, derivative-free), for small maximum-likelihood fits.

export interface NelderMeadResult {
  x: number[]
  value: number
  iterations: number
}

export function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  options: { step?: number; maxIterations?: number; tolerance?: number } = {},
): NelderMeadResult {
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
