// Local delivery targets for report tests: an HTTP sink that can answer errors first, and an SMTP server.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll } from 'vitest'
import { SMTPServer } from 'smtp-server'

export interface HttpSink {
  url: string
  /** Bodies received, parsed as JSON, in order (failed answers included). */
  received: unknown[]
  /** Answer the next `n` requests with HTTP 503. */
  failNext(n: number): void
}

export async function httpSink(): Promise<HttpSink> {
  const received: unknown[] = []
  let failing = 0
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      received.push(JSON.parse(body))
      if (failing > 0) {
        failing--
        res.writeHead(503).end('busy')
      } else res.writeHead(204).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  afterAll(() => new Promise<void>((r) => server.close(() => r())))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/reports`,
    received,
    failNext: (n) => (failing = n),
  }
}

export interface Mail {
  from: string
  to: string[]
  raw: string
}

export async function smtpSink(): Promise<{ url: string; mails: Mail[] }> {
  const mails: Mail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let raw = ''
      stream.on('data', (c: Buffer) => (raw += c.toString()))
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        })
        callback()
      })
    },
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  afterAll(() => new Promise<void>((r) => server.close(() => r())))
  return { url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, mails }
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = http.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((r) => server.close(() => r()))
  return port
}
