// Finds Debian's Chromium for browser tests (.ci/run installs it); tests skip with a message when it is absent.
import fs from 'node:fs'

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  (p): p is string => !!p,
)

export const chromiumPath: string | undefined = CANDIDATES.find((p) => fs.existsSync(p))

/** Flags for a headless run on a machine with no internet: no background connections, no first-run work. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
