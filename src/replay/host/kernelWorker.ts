// A kernel thread: builds one KernelSession from workerData.spec and replays the steps and batches its host sends, in
// order. Outputs go back as detached copies (buffers transferred); the next is sent only once the host has staged
// the previous one, so at most two output batches exist at a time.
import { parentPort, workerData } from 'node:worker_threads'
import { detachedOutputs, type FromKernel, type ToKernel } from './protocol.ts'
import { KernelSession, type KernelSpec } from './session.ts'

const port = parentPort!

const send = (message: FromKernel, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer)

let flushes = 0
let previousStaged: Promise<void> = Promise.resolve()
const staged = new Map<number, () => void>()

const session = new KernelSession((workerData as { spec: KernelSpec }).spec, async (outputs) => {
  await previousStaged
  const flush = ++flushes
  previousStaged = new Promise<void>((resolve) => staged.set(flush, resolve))
  const { batch, transfer } = detachedOutputs(outputs)
  send({ type: 'outputs', flush, batch }, transfer)
})

let events = 0
async function handle(message: ToKernel): Promise<void> {
  switch (message.type) {
    case 'accounts':
      session.addAccounts(message.accounts)
      return
    case 'checking':
      session.setChecking(message.on)
      return
    case 'start':
      session.start()
      return
    case 'batch': {
      const batch = message.batch
      await session.process(batch)
      events += batch.length
      send({ type: 'replayed', events, lastTs: batch.length ? batch.ts[batch.length - 1]! : Number.NaN })
      return
    }
    case 'finish':
      send({ type: 'finished', result: await session.finish() })
      return
    case 'staged':
      return
  }
}

// steps run one after another; a staged acknowledgement is taken at once (a flush may be waiting for it)
const queue: ToKernel[] = []
let running = false
let failed = false
async function pump(): Promise<void> {
  if (running || failed) return
  running = true
  try {
    while (queue.length) await handle(queue.shift()!)
  } catch (error) {
    failed = true
    const e = error instanceof Error ? error : new Error(String(error))
    send({ type: 'failed', message: e.message, ...(e.stack ? { stack: e.stack } : {}) })
  } finally {
    running = false
  }
}

port.on('message', (message: ToKernel) => {
  if (message.type === 'staged') {
    staged.get(message.flush)?.()
    staged.delete(message.flush)
    return
  }
  queue.push(message)
  void pump()
})
