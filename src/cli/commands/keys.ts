// `backstop keys`: API keys for the GraphQL API and the REST routes. `create` prints the key once (only its sha256 is
// stored); `list` shows prefixes, never keys; `revoke` ends a key at once. Works while a server runs (metadata only).
import type { Command } from 'commander'
import { InvalidInputError } from '../../errors.ts'
import {
  API_ROLES,
  isApiRole,
  issueApiKey,
  listApiKeys,
  revokeApiKey,
  type ListedApiKey,
} from '../../store/meta/apiKeys.ts'
import { action } from '../action.ts'
import { withMeta } from '../withMeta.ts'

const DAY_MS = 86_400_000

/** `--expires 30d` (days) or `12h` (hours): the time it ends, from now. */
export function expiryOf(text: string, now: Date): Date {
  const m = /^(\d{1,5})([dh])$/.exec(text.trim())
  const amount = m ? Number(m[1]) : 0
  if (!m || amount === 0)
    throw new InvalidInputError('invalid arguments', [
      { path: '--expires', received: text, expected: 'a duration such as 30d (days) or 12h (hours), at least 1' },
    ])
  return new Date(now.getTime() + amount * (m[2] === 'd' ? DAY_MS : DAY_MS / 24))
}

const iso = (d: Date | null) => (d ? d.toISOString() : '-')

function stateOf(key: ListedApiKey, now: Date): string {
  if (key.revokedAt) return 'revoked'
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return 'expired'
  return 'active'
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('API keys: create, list, revoke')
  keys
    .command('create')
    .description('create an API key and print it (once: it cannot be shown again)')
    .requiredOption('--role <role>', `what the key may do: ${API_ROLES.join(' < ')}`)
    .requiredOption('--name <name>', 'who or what uses it, e.g. grafana')
    .option('--expires <duration>', 'ends after this long, e.g. 30d or 12h (default: never)')
    .option('--json', 'print JSON')
    .action(
      action(async (config, o: { role: string; name: string; expires?: string; json?: boolean }) => {
        const now = new Date()
        if (!isApiRole(o.role))
          throw new InvalidInputError('invalid arguments', [
            { path: '--role', received: o.role, expected: API_ROLES.join(', ') },
          ])
        const expiresAt = o.expires === undefined ? null : expiryOf(o.expires, now)
        const role = o.role
        const { secret, key } = await withMeta(config, (meta) => issueApiKey(meta, { name: o.name, role, expiresAt }))
        if (o.json) console.log(JSON.stringify({ ...key, key: secret }, null, 2))
        else {
          console.log(secret)
          console.error(
            `created key ${key.id} (${key.prefix}…) "${key.name}" role ${key.role}, expires ${iso(key.expiresAt)}. ` +
              'It is shown only now: store it; send it as "Authorization: Bearer <key>".',
          )
        }
      }),
    )
  keys
    .command('list')
    .description('API keys: id, prefix, role, name, created, last used, expires, revoked (never the key)')
    .option('--json', 'print JSON')
    .action(
      action(async (config, o: { json?: boolean }) => {
        const rows = await withMeta(config, (meta) => listApiKeys(meta))
        const now = new Date()
        if (o.json) return void console.log(JSON.stringify(rows, null, 2))
        if (!rows.length) return void console.log('no API keys (create one with `backstop keys create`)')
        for (const k of rows)
          console.log(
            `${k.id}  ${k.prefix}…  ${k.role.padEnd(8)}  ${stateOf(k, now).padEnd(7)}  "${k.name}"  created ${iso(k.createdAt)}  ` +
              `last used ${iso(k.lastUsedAt)}  expires ${iso(k.expiresAt)}  revoked ${iso(k.revokedAt)}`,
          )
      }),
    )
  keys
    .command('revoke')
    .description('revoke an API key (by id or prefix): refused from the next request on')
    .argument('<id>', 'the key id or its prefix, as `keys list` shows them')
    .action(
      action(async (config, id: string) => {
        const key = await withMeta(config, (meta) => revokeApiKey(meta, id))
        console.log(`revoked ${key.id} (${key.prefix}…) "${key.name}" at ${iso(key.revokedAt)}`)
      }),
    )
}
