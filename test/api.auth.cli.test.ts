// `backstop keys`: create prints the key once and it authenticates with its role; list never shows it; revoke ends
// it; bad input exits 2 naming what is valid.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { createAuthenticator } from '../src/api/auth/authenticator.ts'
import { createMetaClient } from '../src/store/meta/client.ts'
import { projectRoot } from '../src/project.ts'
import { BIN } from './support/process.ts'
import { tempDir } from './support/tmp.ts'

const dataDir = path.join(tempDir(), 'data')
const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', BACKSTOP_ENTRY: 'source' }

function keys(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'keys', ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'UTC', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const meta = createMetaClient(`file:${path.join(dataDir, 'backstop.db')}`)
afterAll(() => meta.$disconnect())

test('create, use, list, revoke', { timeout: 300_000 }, async () => {
  const created = keys('create', '--role', 'operator', '--name', 'grafana', '--expires', '30d')
  expect(created.code, created.stderr).toBe(0)
  const secret = created.stdout.trim()
  expect(secret).toMatch(/^bks_[A-Za-z0-9_-]{43}$/)
  expect(created.stderr).toMatch(/role operator, expires \d{4}-\d\d-\d\dT/)
  expect(created.stderr).toContain('shown only now')

  const auth = createAuthenticator({ meta, anonymousRead: false })
  const principal = await auth.resolvePrincipal(`Bearer ${secret}`)
  expect(principal).toMatchObject({ kind: 'key', role: 'operator', name: 'grafana' })
  const stored = await meta.apiKey.findFirstOrThrow({ where: { name: 'grafana' } })
  expect(stored.secretHash).not.toContain(secret)
  expect(stored.expiresAt!.getTime() - stored.createdAt.getTime()).toBeGreaterThan(29.9 * 86_400_000)

  const listed = keys('list')
  expect(listed.code, listed.stderr).toBe(0)
  expect(listed.stdout).toContain(`${secret.slice(0, 12)}…`)
  expect(listed.stdout).toMatch(/operator\s+active\s+"grafana"/)
  expect(listed.stdout).toContain('last used 20') // the authentication above recorded its use
  expect(listed.stdout + listed.stderr).not.toContain(secret)
  const json = keys('list', '--json')
  const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>
  expect(rows).toHaveLength(1)
  expect(Object.keys(rows[0]!)).not.toContain('secretHash')
  expect(json.stdout).not.toContain(secret)

  const revoked = keys('revoke', stored.prefix)
  expect(revoked.code, revoked.stderr).toBe(0)
  expect(revoked.stdout).toContain(`revoked ${stored.id}`)
  await expect(auth.resolvePrincipal(`Bearer ${secret}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
  expect(keys('list').stdout).toMatch(/operator\s+revoked\s+"grafana"/)
})

test('bad input exits 2 naming what is valid, and creates nothing', async () => {
  const role = keys('create', '--role', 'root', '--name', 'x')
  expect(role.code).toBe(2)
  expect(role.stderr).toContain('--role: received "root"; expected reader, operator, admin')
  const expires = keys('create', '--role', 'reader', '--name', 'x', '--expires', 'soon')
  expect(expires.code).toBe(2)
  expect(expires.stderr).toContain('--expires: received "soon"; expected a duration such as 30d')
  const unknown = keys('revoke', 'nope')
  expect(unknown.code).toBe(1)
  expect(unknown.stderr).toContain('no API key "nope"')
  expect(await meta.apiKey.count({ where: { name: 'x' } })).toBe(0)
}, 300_000)
