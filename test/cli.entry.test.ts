// The CLI's entry: the command table matches what the command modules register, a command line loads only the module
// it names, and bin/backstop.js runs the build (dist/) when it is fresh and the sources otherwise.
import { execFileSync, spawnSync } from 'node:child_process'
import path from 'node:path'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { COMMANDS, requestedCommand } from '../src/cli/commandTable.ts'
import { projectRoot, version } from '../src/project.ts'
import { buildIsFresh } from '../scripts/buildState.mjs'
import { BIN } from './support/process.ts'

describe('command table', () => {
  it('names each command its module registers, with the same summary, and misses none', async () => {
    const registered = new Map<string, string>()
    for (const entry of COMMANDS) {
      const program = new Command('backstop')
      await entry.register(program)
      const own = program.commands.find((c) => c.name() === entry.name)
      expect(own, `${entry.name}'s module registers no command of that name`).toBeDefined()
      expect(entry.summary).toBe(own!.description())
      for (const c of program.commands) registered.set(c.name(), c.description())
    }
    expect([...registered.keys()].sort()).toEqual(COMMANDS.map((c) => c.name).sort())
  })

  it('finds the command a command line names, past options and `help`', () => {
    expect(requestedCommand(['backtest', '--rules', 'binance-um'])?.name).toBe('backtest')
    expect(requestedCommand(['--verbose', 'runs', 'list'])?.name).toBe('runs')
    expect(requestedCommand(['help', 'ingest'])?.name).toBe('ingest')
    expect(requestedCommand(['--help'])).toBeUndefined()
    expect(requestedCommand([])).toBeUndefined()
    expect(requestedCommand(['bakctest'])).toBeUndefined()
  })
})

describe('bin/backstop.js', () => {
  const run = (args: string[], entry?: string) =>
    spawnSync(process.execPath, [BIN, ...args], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...(entry ? { BACKSTOP_ENTRY: entry } : {}) },
      encoding: 'utf8',
    })

  it('runs the built JavaScript and the sources alike', { timeout: 180_000 }, () => {
    // `npm ci` builds dist/; a checkout edited since (or never built) gets a fresh one here
    if (!buildIsFresh(projectRoot)) {
      execFileSync(process.execPath, [path.join(projectRoot, 'scripts', 'build.mjs')], { stdio: 'ignore' })
    }
    for (const entry of ['built', 'source']) {
      const result = run(['--version'], entry)
      expect(result.status, result.stderr).toBe(0)
      expect(result.stdout.trim()).toBe(version)
      const help = run(['--help'], entry)
      expect(help.status, help.stderr).toBe(0)
      for (const c of COMMANDS) expect(help.stdout).toContain(c.name)
    }
    const unknown = run(['bakctest'], 'built')
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toContain("unknown command 'bakctest'")
    expect(unknown.stderr).toContain('backtest')
  })

  it('refuses an unknown BACKSTOP_ENTRY, naming the valid ones', () => {
    const result = run(['--version'], 'compiled')
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('BACKSTOP_ENTRY must be "built" or "source", got "compiled"')
  })
})
