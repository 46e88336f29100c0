// Whether a CLI command runs its work in this process or hands it to the running server: the server holds the DuckDB
// file (DuckDB allows one writing process), so while its discovery file names a live process on the same file, the
// command goes through its API; so does one whose own open of the store finds it locked by a server that has just
// started. `--local` forces the in-process path (and its lock error, when a server holds the file).
import type { Config } from '../../config/load.ts'
import { findLiveServer } from '../../app/serverDiscovery.ts'
import { UnavailableError } from '../../errors.ts'
import { ServerClient } from './client.ts'

export interface HandOverOptions {
  /** --local: never hand over. */
  local?: boolean
}

export async function viaServerOr<T>(
  config: Config,
  options: HandOverOptions,
  paths: { remote(client: ServerClient): Promise<T>; local(): Promise<T> },
): Promise<T> {
  if (options.local) return paths.local()
  const server = findLiveServer(config)
  if (server) return paths.remote(new ServerClient(server))
  try {
    return await paths.local()
  } catch (error) {
    // opening the store failed because a server took it between our look and our open: hand over after all
    const late = error instanceof UnavailableError && /in use by another process/.test(error.message)
    const started = late ? findLiveServer(config) : null
    if (started) return paths.remote(new ServerClient(started))
    throw error
  }
}

/**
 * What a command that has no API equivalent says while a server holds the store: which server, and what to do,
 * instead of DuckDB's lock error.
 */
export function noRemoteEquivalent(client: ServerClient, what: string, instead: string): never {
  throw new UnavailableError(`${what} cannot be handed to ${client.name}, which holds the DuckDB file; ${instead}`, {
    pid: client.server.pid,
    url: client.server.url,
  })
}

/**
 * A command that needs the store but has no API hand-over yet: runs in this process, or, while a server holds the
 * store, fails naming the server and what to do instead.
 */
export function inProcessOnly<T>(
  config: Config,
  options: HandOverOptions,
  what: string,
  instead: (client: ServerClient) => string,
  local: () => Promise<T>,
): Promise<T> {
  return viaServerOr(config, options, {
    remote: (client) => noRemoteEquivalent(client, what, instead(client)),
    local,
  })
}
