// A scenario generated on a worker thread: generating and writing a scenario's files are seconds of synchronous CPU
// (5 s for calm-high-volume here), which on the main thread would leave the server unanswered meanwhile. The thread
// (generateWorker.ts) reports the truth and data hash first and writes the files only when asked, so a load that is
// skipped writes nothing; a failure, an exit or an abort ends it, and close() terminates it whatever it is doing.
import { Worker, type ResourceLimits } from 'node:worker_threads'
import { WORKER_BOOT } from '../../threads/bootModule.ts'
import type { ScenarioTruth } from '../../domain/scenario.ts'
import type { AttackDetails } from './definition.ts'
import type { ScenarioFile } from './output.ts'
import type { FromScenarioThread, ScenarioThreadData, ToScenarioThread } from './generateWorker.ts'

const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './generateWorker.ts' : './generateWorker.js', import.meta.url)
  .href

/** What a load needs of the generated scenario before it writes anything: the skip rule reads the data hash. */
export interface GeneratedSummary {
  truth: ScenarioTruth
  details: AttackDetails
  /** sha256 over every generated table: the same as generateScenario's (the same code makes the same bytes). */
  dataHash: string
}

export interface ScenarioThread {
  /** Resolves once generated; rejects on the thread's failure or exit, the signal's abort, or close(). */
  readonly generated: Promise<GeneratedSummary>
  /** Writes the tables into `dir` (writeScenarioFiles): the files with their load requests. */
  write(dir: string): Promise<ScenarioFile[]>
  /** Terminates the thread, mid-generation if need be; once it resolves the thread writes nothing more. Idempotent. */
  close(): Promise<void>
}

export interface ScenarioThreadOptions {
  /** Aborting terminates the thread and rejects what is waited for with the signal's reason. */
  signal?: AbortSignal
  /** The thread's heap limits (default: Node's): a generator running out of memory then fails the load alone. */
  resourceLimits?: ResourceLimits
}

/** Starts generating scenario `name` with `seed` (both already checked) on a thread of its own. */
export function startScenarioThread(name: string, seed: number, options: ScenarioThreadOptions = {}): ScenarioThread {
  const what = `scenario ${name} (seed ${seed})`
  // the first failure wins; an abort's is the signal's reason, as is, like the loader's own throwIfAborted
  let failed = false
  let failure: unknown = null
  let closing: Promise<void> | null = null
  let waiting: { resolve(message: FromScenarioThread): void; reject(error: unknown): void } | null = null
  let resolveGenerated: (summary: GeneratedSummary) => void = () => undefined
  let rejectGenerated: (error: unknown) => void = () => undefined
  const generated = new Promise<GeneratedSummary>((resolve, reject) => {
    resolveGenerated = resolve
    rejectGenerated = reject
  })
  // a caller that never awaits it (it failed or was closed before) must not see an unhandled rejection
  generated.catch(() => undefined)

  const data: ScenarioThreadData & { entry: string } = { entry: ENTRY, name, seed }
  // execArgv empty: the boot module registers tsx itself, and a parent's flags (a test runner's) must not reach it
  const worker = new Worker(WORKER_BOOT, {
    workerData: data,
    execArgv: [],
    ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
  })
  const fail = (error: unknown) => {
    if (failed) return
    failed = true
    failure = error
    rejectGenerated(error)
    waiting?.reject(error)
    waiting = null
    void close()
  }
  worker.on('message', (message: FromScenarioThread) => {
    if (message.type === 'generated') {
      const { truth, details, dataHash } = message
      resolveGenerated({ truth, details, dataHash })
    } else {
      waiting?.resolve(message)
      waiting = null
    }
  })
  worker.on('error', (error: Error) => {
    // the generator's own error (its stack is the thread's) under a message that says where it happened
    fail(new Error(`generating ${what} failed: ${error.message}`, { cause: error }))
  })
  worker.on('exit', (code) => {
    if (!closing) fail(new Error(`the thread generating ${what} exited unexpectedly (code ${code})`))
  })

  const signal = options.signal
  const onAbort = () => fail(signal!.reason)
  signal?.addEventListener('abort', onAbort, { once: true })
  if (signal?.aborted) onAbort()

  function close(): Promise<void> {
    closing ??= (async () => {
      signal?.removeEventListener('abort', onAbort)
      const error = new Error(`the thread generating ${what} was closed`)
      rejectGenerated(error)
      waiting?.reject(error)
      waiting = null
      await worker.terminate()
    })()
    return closing
  }

  return {
    generated,
    async write(dir) {
      await generated
      if (failed) throw failure
      if (closing) throw new Error(`the thread generating ${what} was closed`)
      if (waiting) throw new Error(`the thread generating ${what} is already writing`)
      const message = new Promise<FromScenarioThread>((resolve, reject) => (waiting = { resolve, reject }))
      worker.postMessage({ type: 'write', dir } satisfies ToScenarioThread)
      const reply = await message
      if (reply.type !== 'written') throw new Error(`the thread generating ${what} answered ${reply.type} to write`)
      return reply.files
    },
    close,
  }
}
