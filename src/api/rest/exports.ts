// CSV and Parquet exports for BI tools: GET /export/{table}.{csv|parquet}?filters. DuckDB writes the file with COPY
// to a temporary path (Parquet needs its writer, and its CSV writer outruns one in JS); the file is then streamed to
// the response and removed afterwards whatever happens (error, client gone mid-copy or mid-stream). Errors are JSON
// in the API's shape: 400 bad parameters or too many rows, 404 unknown table or run, 409 a run that has not
// succeeded.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Router } from 'express'
import type { Runtime } from '../../app/runtime.ts'
import { BackstopError, formatReceived } from '../../errors.ts'
import { copyExport, type ExportFormat } from '../../store/exports/copyExport.ts'
import { sendError } from '../httpErrors.ts'
import type { RequireRole } from './reports.ts'
import { EXPORT_TABLES, isExportTable } from './exportsTables.ts'
import { parseExportQuery } from './exportsQuery.ts'

const allowAll: RequireRole = () => true

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
}

export interface ExportsOptions {
  /** Where the temporary files are written (default: the OS temp directory, read at each request). */
  tmpDir?: string
}

export function exportsRouter(runtime: Runtime, requireRole: RequireRole = allowAll, options: ExportsOptions = {}) {
  const router = Router()
  router.get('/export/:file', async (req, res, next) => {
    let file: string | null = null
    try {
      if (!(await requireRole(req, 'reader'))) return
      const m = /^([a-z-]{1,32})\.(csv|parquet)$/.exec(String(req.params.file))
      const name = m?.[1] ?? ''
      if (!m || !isExportTable(name)) {
        return sendError(
          res,
          'NOT_FOUND',
          `no export ${formatReceived(req.path)}: /export/{table}.csv or .parquet, table one of ${Object.keys(EXPORT_TABLES).join(', ')}`,
        )
      }
      const format = m[2] as ExportFormat
      const table = EXPORT_TABLES[name]
      const { request, baseName } = parseExportQuery(name, table, req.query as Record<string, unknown>)
      file = path.join(options.tmpDir ?? os.tmpdir(), `backstop-export-${crypto.randomUUID()}.${format}`)
      const { rows } = await copyExport(
        runtime,
        { ...request, list: table.list },
        format,
        file,
        runtime.config.exportMaxRows,
      )
      // the client left while DuckDB wrote: nothing to send
      if (req.socket.destroyed) return
      const { size } = await fs.promises.stat(file)
      res.status(200).set({
        'content-type': CONTENT_TYPES[format],
        'content-length': String(size),
        'content-disposition': `attachment; filename="${baseName}.${format}"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-export-rows': String(rows),
      })
      // 1 MiB reads: a 22 MB export in 22 writes to the socket instead of 340 (the default reads 64 KiB)
      await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), res)
    } catch (error) {
      // mid-stream (the client went away, or the read failed): the status line is gone, only closing is left
      if (res.headersSent) return void res.destroy()
      if (error instanceof BackstopError) return sendError(res, error.code, error.message, error.details)
      next(error)
    } finally {
      if (file) await fs.promises.rm(file, { force: true })
    }
  })
  return router
}
