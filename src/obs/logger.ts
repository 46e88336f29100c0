// Structured JSON logs (pino) on stdout (server) or stderr (other commands); secrets are redacted wherever they appear in a log object.
import { pino, type Logger } from 'pino'
import type { LOG_LEVELS } from '../config/settings.ts'

export type { Logger }
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Field names whose values are never written to logs (RPC URLs carry API keys in their path). */
const SECRET_FIELDS = [
  'apiKey',
  'secret',
  'password',
  'authorization',
  'rpcUrl',
  'token',
  'databaseUrl',
  'smtpUrl',
  'webhookUrl',
]

export function createLogger(level: LogLevel, destination: number | NodeJS.WritableStream = 1): Logger {
  const paths = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`])
  return pino(
    {
      level,
      base: { service: 'backstop', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths, censor: '[redacted]' },
    },
    // Synchronous writes: the CLI exits right after its last line, and logs are not on a hot path.
    typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : destination,
  )
}
