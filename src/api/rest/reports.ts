// Rendered reports over HTTP: /reports/{id}.html | .md | .json, the Markdown's folder view /reports/{id}/report.md
// and its charts /reports/{id}/{chart}.svg. Only reports that have a row are served (a row exists only once every
// file does); every failure is JSON in the API's error shape.
import { Router, type Request, type RequestHandler } from 'express'
import type { Runtime } from '../../app/runtime.ts'
import { formatReceived } from '../../errors.ts'
import { readReportFile } from '../../report/files.ts'
import { getReport } from '../../store/meta/reports.ts'
import { sendError } from '../httpErrors.ts'

export type ReportRole = 'reader' | 'operator' | 'admin'

/**
 * Authorisation hook, called before anything is read: throw (or answer and return false) to refuse. The API-key
 * plugin plugs in here (`requireRole(req, 'reader')`); until it lands every caller that reaches the API may read.
 */
export type RequireRole = (req: Request, role: ReportRole) => boolean | Promise<boolean>
const allowAll: RequireRole = () => true

const TYPES = {
  html: 'text/html; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  json: 'application/json; charset=utf-8',
  svg: 'image/svg+xml; charset=utf-8',
} as const

/** A report file may not load or send anything: no script, no request outside the document. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"

export function reportsRouter(runtime: Runtime, requireRole: RequireRole = allowAll): Router {
  const router = Router()
  const serve =
    (pick: (req: Request) => { id: string; file: string; format: keyof typeof TYPES } | null): RequestHandler =>
    async (req, res, next) => {
      try {
        if (!(await requireRole(req, 'reader'))) return
        const wanted = pick(req)
        if (!wanted) return sendError(res, 'NOT_FOUND', `no report file at ${formatReceived(req.path)}`)
        const report = await getReport(runtime.meta, wanted.id)
        if (!report) return sendError(res, 'NOT_FOUND', `no report ${formatReceived(wanted.id)}`)
        const formats = report.formats as string[]
        const chart = wanted.format === 'svg'
        if (!chart && !formats.includes(wanted.format)) {
          return sendError(
            res,
            'NOT_FOUND',
            `report ${report.id} has no ${wanted.format} file; it was rendered as ${formats.join(', ')}`,
          )
        }
        const body = await readReportFile(runtime.config.dataDir, report.id, wanted.file)
        if (!body) return sendError(res, 'NOT_FOUND', `report ${report.id} has no file ${formatReceived(wanted.file)}`)
        res
          .status(200)
          .set({
            'content-type': TYPES[wanted.format],
            'content-security-policy': CSP,
            'x-content-type-options': 'nosniff',
            'cache-control': 'private, max-age=300',
          })
          .send(body)
      } catch (error) {
        next(error)
      }
    }
  router.get(
    '/reports/:name',
    serve((req) => {
      const m = /^([A-Za-z0-9-]{1,64})\.(html|md|json)$/.exec(String(req.params.name))
      return m ? { id: m[1]!, format: m[2] as 'html' | 'md' | 'json', file: `report.${m[2]}` } : null
    }),
  )
  router.get(
    '/reports/:id/:file',
    serve((req) => {
      const id = String(req.params.id)
      const file = String(req.params.file)
      if (file === 'report.md') return { id, file, format: 'md' }
      return /^[a-z0-9-]{1,64}\.svg$/.test(file) ? { id, file, format: 'svg' } : null
    }),
  )
  return router
}
