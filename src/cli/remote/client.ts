// A minimal GraphQL client over fetch for the running server a CLI command hands its work to: the local admin token as
// a bearer token, and the server's errors turned back into the CLI's own (BAD_USER_INPUT → exit 2 with the server's
// message, which lists every problem; NOT_FOUND, CONFLICT, UNAVAILABLE → exit 1), so a command reads the same either way.
import type { ServerDiscovery } from '../../app/serverDiscovery.ts'
import { ConflictError, InvalidInputError, NotFoundError, UnavailableError } from '../../errors.ts'

interface GraphQLResponse<T> {
  data?: T | null
  errors?: Array<{ message: string; extensions?: { code?: string } }>
}

export class ServerClient {
  constructor(readonly server: Pick<ServerDiscovery, 'pid' | 'url' | 'token'>) {}

  /** "the running server (pid 123, http://127.0.0.1:4000/graphql)": how messages name it. */
  get name(): string {
    return `the running server (pid ${this.server.pid}, ${this.server.url})`
  }

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    let response: Response
    try {
      response = await fetch(this.server.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.server.token}`,
          // Apollo's CSRF prevention accepts a JSON POST; the header names the caller in the server's logs
          'x-backstop-client': 'cli',
        },
        body: JSON.stringify({ query, variables }),
      })
    } catch (error) {
      throw new UnavailableError(`${this.name} did not answer: ${(error as Error).message}`, { url: this.server.url })
    }
    let body: GraphQLResponse<T>
    try {
      body = (await response.json()) as GraphQLResponse<T>
    } catch {
      throw new UnavailableError(`${this.name} answered HTTP ${response.status} without a GraphQL body`)
    }
    const [first] = body.errors ?? []
    if (first) throw errorOf(first.extensions?.code, first.message, this.name)
    if (body.data == null) throw new UnavailableError(`${this.name} answered HTTP ${response.status} without data`)
    return body.data
  }
}

/** The server's error as the CLI's own: its message unchanged (it already lists every problem). */
function errorOf(code: string | undefined, message: string, server: string): Error {
  switch (code) {
    case 'BAD_USER_INPUT':
    case 'GRAPHQL_VALIDATION_FAILED':
      return new InvalidInputError(message)
    case 'NOT_FOUND':
      return new NotFoundError(message)
    case 'CONFLICT':
      return new ConflictError(message)
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return new UnavailableError(`${server} refused the local admin token (${code}): ${message}`)
    default:
      return new UnavailableError(`${server}: ${message}${code ? ` (${code})` : ''}`)
  }
}
