// Runs the real `backstop` CLI as a child process, as a user would, and reads its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { projectRoot } from '../../src/project.ts'

export const BIN = path.join(projectRoot, 'bin', 'backstop.js')

export interface Spawned {
  child: ChildProcess
  /** Everything written to stdout and stderr so far. */
  output(): string
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>
  /** Resolves with the first log line matching `predicate`, or rejects after `timeoutMs`. */
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>
  /** Resolves with the exit code (or 128+signal) and how long the process took after `since`. */
  exited: Promise<{ code: number; at: number }>
}

export function spawnBackstop(args: string[], env: Record<string, string>, cwd = projectRoot): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    // no first-start demo unless a test asks for it (BACKSTOP_DEMO=on): a `start` on an empty store would load it
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'UTC', BACKSTOP_DEMO: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  const listeners = new Set<() => void>()
  const onData = (chunk: Buffer) => {
    text += chunk.toString()
    for (const l of listeners) l()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const logs = () =>
    text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>]
        } catch {
          return []
        }
      })
  const exited = new Promise<{ code: number; at: number }>((resolve) => {
    child.on('exit', (code, signal) =>
      resolve({ code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), at: performance.now() }),
    )
  })
  return {
    child,
    output: () => text,
    logs,
    exited,
    waitForLog(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = logs().find(predicate)
          if (hit) {
            cleanup()
            resolve(hit)
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`no matching log line within ${timeoutMs} ms; output so far:\n${text}`))
        }, timeoutMs)
        const cleanup = () => {
          clearTimeout(timer)
          listeners.delete(check)
          exitListener()
        }
        const exitListener = () => child.off('exit', onExit)
        const onExit = () => {
          cleanup()
          reject(new Error(`process exited before the expected log line; output:\n${text}`))
        }
        child.on('exit', onExit)
        listeners.add(check)
        check()
      })
    },
  }
}
