// Entry of every worker thread Backstop starts (replay kernels, sweeps, scenario generation: the entry comes in
// workerData). From the TypeScript sources the worker registers tsx's loader for itself — whether the parent runs under
// tsx, vitest or plain node — then loads its entry; from the build (dist/) it loads it directly.
import { workerData } from 'node:worker_threads'

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api')
  register()
}
await import(workerData.entry)
