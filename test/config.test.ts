// Configuration: defaults, derived paths, every problem reported at once, and .env.example kept complete.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { ConfigError, loadConfig } from '../src/config/load.ts'
import { settings } from '../src/config/settings.ts'
import { projectRoot } from '../src/project.ts'

describe('loadConfig', () => {
  test('defaults: port 4000, stores under ./data', () => {
    const config = loadConfig({})
    expect(config.port).toBe(4000)
    expect(config.host).toBe('127.0.0.1')
    expect(config.duckdbPath).toBe('./data/backstop.duckdb')
    expect(config.databaseUrl).toBe('file:./data/backstop.db')
    expect(config.duckdbMemoryLimit).toBeUndefined()
    expect(config.schedulerEnabled).toBe(true)
  })

  test('store paths follow DATA_DIR unless set explicitly', () => {
    expect(loadConfig({ DATA_DIR: '/srv/bs/' }).duckdbPath).toBe('/srv/bs/backstop.duckdb')
    expect(loadConfig({ DATA_DIR: '/srv/bs', DUCKDB_PATH: ':memory:' }).duckdbPath).toBe(':memory:')
  })

  test('parses booleans and integers', () => {
    const config = loadConfig({ SCHEDULER_ENABLED: 'no', PORT: '8080', GRAPHQL_INTROSPECTION: '0' })
    expect(config.schedulerEnabled).toBe(false)
    expect(config.graphqlIntrospection).toBe(false)
    expect(config.port).toBe(8080)
  })

  test('reports every bad value at once, with the value received and what is valid', () => {
    let error: unknown
    try {
      loadConfig({
        PORT: 'abc',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'postgres://x',
        DUCKDB_MEMORY_LIMIT: 'lots',
        SCHEDULER_ENABLED: 'maybe',
      })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems
    expect(problems.map((p) => p.path)).toEqual([
      'PORT',
      'DATABASE_URL',
      'DUCKDB_MEMORY_LIMIT',
      'LOG_LEVEL',
      'SCHEDULER_ENABLED',
    ])
    expect((error as Error).message).toContain('PORT: received "abc"; expected an integer from 0 to 65535')
    expect((error as Error).message).toContain(
      'LOG_LEVEL: received "loud"; expected one of fatal, error, warn, info, debug, trace, silent',
    )
  })

  test('rejects out-of-range ports', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT: received "70000"/)
    expect(() => loadConfig({ PORT: '-1' })).toThrow(/PORT/)
  })

  test('.env.example documents every setting', () => {
    const example = fs.readFileSync(path.join(projectRoot, '.env.example'), 'utf8')
    for (const setting of Object.values(settings)) expect(example).toMatch(new RegExp(`^#? ?${setting.env}=`, 'm'))
  })
})

test('the README configuration table lists every setting', () => {
  const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8')
  for (const setting of Object.values(settings)) expect(readme).toContain(`| \`${setting.env}\` |`)
})
