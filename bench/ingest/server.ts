// A static file server for the benchmark mirror (run as its own process so its CPU and memory are not the
// measured process's). Prints the URL on stdout, serves until killed. Loopback only.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { MIRROR } from './generate.ts'

const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
  const file = path.join(MIRROR, path.normalize(rel))
  if (!file.startsWith(MIRROR) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end()
    return
  }
  res.writeHead(200, { 'content-length': String(fs.statSync(file).size) })
  fs.createReadStream(file).pipe(res)
})
server.listen(0, '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
