// The GraphiQL page (about 9 MB with its scripts, styles and editor workers inlined, so it works with no internet),
// rendered once per process and served compressed (brotli or gzip, as the browser accepts) with an ETag, so a
// browser downloads it once and revalidates afterwards with a 304.
import crypto from 'node:crypto'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { renderGraphiQL } from '@graphql-yoga/render-graphiql'
import type { Request, RequestHandler } from 'express'

const FIRST_QUERY = `# Welcome to Backstop. Press the run button (or Ctrl-Enter) to execute.
# On its first start on an empty store, \`npm start\` loads a demo (generated scenarios, venue synthetic): once the
# log says "demo ready", add  incidents(first: 20) { nodes { title severity totalDeficit } }  below (the log has more).
{
  health {
    status
    version
    duckdb { status latencyMs }
    metadata { status latencyMs }
  }
  marketsConnection(first: 20) {
    totalCount
    nodes { venue market datasets firstTs lastTs }
  }
}
`

const brotli = promisify(zlib.brotliCompress)
const gzip = promisify(zlib.gzip)

interface Page {
  html: string
  etag: string
  /** Compressed bodies, made on first demand (brotli at a middle quality: quality 11 takes tens of seconds on 9 MB). */
  encoded: Map<'br' | 'gzip', Promise<Buffer>>
}

const pages = new Map<string, Page>()

/** The page for `endpoint`, rendered once. */
export function graphiqlPage(endpoint: string): Page {
  let page = pages.get(endpoint)
  if (!page) {
    const html = renderGraphiQL({ endpoint, title: 'Backstop GraphiQL', defaultQuery: FIRST_QUERY })
    const etag = `"${crypto.createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`
    page = { html, etag, encoded: new Map() }
    pages.set(endpoint, page)
  }
  return page
}

function encodedBody(page: Page, encoding: 'br' | 'gzip'): Promise<Buffer> {
  let body = page.encoded.get(encoding)
  if (!body) {
    const raw = Buffer.from(page.html)
    body =
      encoding === 'br'
        ? brotli(raw, {
            params: {
              [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
              [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
              [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
            },
          })
        : gzip(raw, { level: 9 })
    page.encoded.set(encoding, body)
  }
  return body
}

/** A browser asking for the page: GET, HTML accepted, no query in the URL (the same test Apollo's landing page uses). */
const wantsPage = (req: Request): boolean =>
  req.method === 'GET' && req.accepts(['application/json', 'text/html']) === 'text/html' && !('query' in req.query)

/** Serves GraphiQL at the GraphQL path (mounted before the GraphQL middleware; anything else passes through). */
export function graphiqlPageHandler(endpoint: string): RequestHandler {
  return (req, res, next) => {
    if (!wantsPage(req)) return next()
    const page = graphiqlPage(endpoint)
    res.setHeader('Vary', 'Accept, Accept-Encoding')
    res.setHeader('Cache-Control', 'no-cache') // store it, but revalidate: the ETag changes when the server does
    res.setHeader('ETag', page.etag)
    res.type('html')
    if (req.fresh) return void res.status(304).end()
    const encoding = req.acceptsEncodings(['br', 'gzip', 'identity'])
    if (encoding !== 'br' && encoding !== 'gzip') return void res.send(page.html)
    encodedBody(page, encoding).then(
      (body) => {
        res.setHeader('Content-Encoding', encoding)
        res.end(body)
      },
      (error: unknown) => next(error),
    )
  }
}
