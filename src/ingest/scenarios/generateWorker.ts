// A scenario generation thread: generates workerData's (name, seed) at once, reports the truth and data hash, keeps
// the tables until its host asks for them as files in a directory, then waits to be terminated. A generator that
// throws fails the thread's import, which its host receives as the thread's error.
import { parentPort, workerData } from 'node:worker_threads'
import type { ScenarioTruth } from '../../domain/scenario.ts'
import type { AttackDetails } from './definition.ts'
import { generateScenario } from './generate.ts'
import { writeScenarioFiles, type ScenarioFile } from './output.ts'

export interface ScenarioThreadData {
  name: string
  seed: number
}

export type ToScenarioThread = { type: 'write'; dir: string }

export type FromScenarioThread =
  | { type: 'generated'; truth: ScenarioTruth; details: AttackDetails; dataHash: string }
  | { type: 'written'; files: ScenarioFile[] }

const port = parentPort!
const { name, seed } = workerData as ScenarioThreadData
const send = (message: FromScenarioThread) => port.postMessage(message)

const generated = generateScenario(name, seed)
port.on('message', (message: ToScenarioThread) => {
  const { from, to } = generated.truth
  send({ type: 'written', files: writeScenarioFiles(generated.context.tables, message.dir, { name, seed, from, to }) })
})
send({ type: 'generated', truth: generated.truth, details: generated.details, dataHash: generated.dataHash })
