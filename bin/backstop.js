#!/usr/bin/env node
// Entry point of the `backstop` command: runs the TypeScript sources through tsx (no build step), in UTC.
process.env.TZ = 'UTC'
const { register } = await import('tsx/esm/api')
register()
await import('../src/cli/main.ts')
