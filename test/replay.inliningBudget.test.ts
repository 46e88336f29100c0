// The inlining budget's setting: validated before anything is changed, applied once per process.
import { afterEach, describe, expect, it, vi } from 'vitest'

const load = async () => {
  vi.resetModules()
  return import('../src/replay/host/inliningBudget.ts')
}

describe('raiseInliningBudget', () => {
  afterEach(() => {
    delete process.env.BACKSTOP_V8_INLINING
  })

  it('refuses an unknown setting, naming what it got and what is valid', async () => {
    process.env.BACKSTOP_V8_INLINING = 'max'
    const { raiseInliningBudget } = await load()
    expect(() => raiseInliningBudget()).toThrow('BACKSTOP_V8_INLINING: received "max"; valid: raised or default')
  })

  it("a configuration's value is applied as given, whatever the environment says (.env included)", async () => {
    process.env.BACKSTOP_V8_INLINING = 'max'
    const { raiseInliningBudget } = await load()
    expect(() => raiseInliningBudget('default')).not.toThrow()
  })

  it('the configuration refuses a bad value at start, like every setting', async () => {
    const { loadConfig } = await import('../src/config/load.ts')
    expect(() => loadConfig({ BACKSTOP_V8_INLINING: 'max' })).toThrow(/BACKSTOP_V8_INLINING: received "max"/)
    expect(loadConfig({}).v8Inlining).toBe('raised')
  })

  it('accepts both valid settings, and a second call does nothing (not even a new check)', async () => {
    for (const setting of ['default', 'raised']) {
      process.env.BACKSTOP_V8_INLINING = setting
      const { raiseInliningBudget } = await load()
      expect(() => raiseInliningBudget()).not.toThrow()
      process.env.BACKSTOP_V8_INLINING = 'bogus'
      expect(() => raiseInliningBudget()).not.toThrow()
    }
  })
})
