// Messages between a worker host and its kernel thread, and the copies that cross with transferred buffers.
import type { EventBatch } from '../kernel/events.ts'
import type { CodedText, ResultBatch, ResultColumns } from '../../store/results/backtestResults.ts'
import type { KernelAccounts, KernelResult } from './session.ts'

export type ToKernel =
  | { type: 'accounts'; accounts: KernelAccounts }
  | { type: 'checking'; on: boolean }
  | { type: 'start' }
  | { type: 'batch'; batch: EventBatch }
  | { type: 'finish' }
  /** The outputs of flush `flush` are staged: the kernel may send its next. */
  | { type: 'staged'; flush: number }

export type FromKernel =
  | { type: 'replayed'; events: number; lastTs: number }
  | { type: 'outputs'; flush: number; batch: ResultBatch }
  | { type: 'finished'; result: KernelResult }
  | { type: 'failed'; message: string; stack?: string }

/** The buffers of a batch's columns, to transfer rather than copy. */
export function batchBuffers(batch: EventBatch): ArrayBuffer[] {
  const columns = [batch.ts, batch.kind, batch.market, batch.account, batch.a, batch.b, batch.c, batch.d]
  return [...new Set(columns.map((c) => c.buffer as ArrayBuffer))]
}

/**
 * A copy of a batch's events in one SharedArrayBuffer (columns cut to its length, widest first so each is aligned):
 * posted to several threads it is shared, not cloned per thread. Readers only: no kernel writes to a batch it
 * replays (the kernels of one sweep thread already read the same batch object).
 */
export function sharedBatch(batch: EventBatch): EventBatch {
  const n = batch.length
  const memory = new SharedArrayBuffer(Math.max(1, n) * (5 * 8 + 4 + 2 + 1))
  let at = 0
  const next = (bytes: number) => {
    const offset = at
    at += bytes * n
    return offset
  }
  const f64 = () => new Float64Array(memory, next(8), n)
  const copy: EventBatch = {
    length: n,
    ts: f64(),
    a: f64(),
    b: f64(),
    c: f64(),
    d: f64(),
    account: new Int32Array(memory, next(4), n),
    market: new Uint16Array(memory, next(2), n),
    kind: new Uint8Array(memory, next(1), n),
  }
  copy.ts.set(batch.ts.subarray(0, n))
  copy.a.set(batch.a.subarray(0, n))
  copy.b.set(batch.b.subarray(0, n))
  copy.c.set(batch.c.subarray(0, n))
  copy.d.set(batch.d.subarray(0, n))
  copy.account.set(batch.account.subarray(0, n))
  copy.market.set(batch.market.subarray(0, n))
  copy.kind.set(batch.kind.subarray(0, n))
  return copy
}

/**
 * A copy of an output batch that owns its buffers (the kernel's are reused at once), cut to each table's length,
 * with the buffers to transfer. A column used twice (as numbers and as text codes) is copied once.
 */
export function detachedOutputs(batch: ResultBatch): { batch: ResultBatch; transfer: ArrayBuffer[] } {
  const copies = new Map<Float64Array, Float64Array>()
  const transfer: ArrayBuffer[] = []
  const copy = (column: Float64Array, length: number) => {
    let out = copies.get(column)
    if (!out) {
      out = column.slice(0, length)
      copies.set(column, out)
      transfer.push(out.buffer as ArrayBuffer)
    }
    return out
  }
  const table = (cols: ResultColumns): ResultColumns => {
    const num: Record<string, Float64Array> = {}
    for (const [name, column] of Object.entries(cols.num)) num[name] = copy(column, cols.length)
    const text: Record<string, CodedText> = {}
    for (const [name, coded] of Object.entries(cols.text)) {
      if (typeof coded === 'function') throw new Error(`output column ${name} is a function: it cannot cross threads`)
      text[name] = {
        codes: copy(coded.codes, cols.length),
        names: [...coded.names],
        ...(coded.serials ? { serials: copy(coded.serials, cols.length) } : {}),
      }
    }
    return { length: cols.length, num, text }
  }
  const out = {} as ResultBatch
  for (const key of Object.keys(batch) as Array<keyof ResultBatch>) out[key] = table(batch[key])
  return { batch: out, transfer }
}
