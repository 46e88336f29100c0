// Answers of read-only GraphQL operations kept in memory, as the bytes sent, for the data generation they were computed
// in (store/generation.ts): a repeated query is answered without touching the stores until the next committed write,
// when every entry is dropped. Bounded by bytes, least recently used first out.
import type { GenerationReader } from '../store/generation.ts'

export interface CachedAnswer {
  body: Buffer
  contentType: string
  /** For request metrics on a hit. */
  operationName: string | null
}

/** What an entry costs beyond its body: the key and the bookkeeping of one Map entry (an estimate). */
const ENTRY_OVERHEAD_BYTES = 200

interface Entry extends CachedAnswer {
  bytes: number
}

export class ResponseCache {
  /** Insertion order is recency: a hit moves its entry to the end, eviction takes from the start. */
  private readonly entries = new Map<string, Entry>()
  private held = 0
  private generation: string | null = null

  constructor(
    readonly maxBytes: number,
    private readonly generations: Pick<GenerationReader, 'read'>,
  ) {}

  /**
   * The data generation now, read when a request starts; when it moved since the last read, every entry is dropped
   * (each was computed before a write). Null: unknown, nothing may be served or stored.
   */
  current(): string | null {
    const generation = this.generations.read()
    if (generation !== this.generation) {
      this.clear()
      this.generation = generation
    }
    return generation
  }

  /** The answer stored under `key`, when `generation` (from `current()`) is still the current one. */
  get(key: string, generation: string | null): CachedAnswer | undefined {
    if (generation === null || generation !== this.generation) return undefined
    const entry = this.entries.get(key)
    if (!entry) return undefined
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry
  }

  /**
   * Stores an answer computed by a request that started in `generation`, unless a write has committed since (the
   * answer may predate it) or it alone exceeds the bound. True when stored.
   */
  set(key: string, answer: CachedAnswer, generation: string | null): boolean {
    if (generation === null || this.current() !== generation) return false
    const bytes = answer.body.length + key.length + ENTRY_OVERHEAD_BYTES
    if (bytes > this.maxBytes) return false
    const previous = this.entries.get(key)
    if (previous) {
      this.entries.delete(key)
      this.held -= previous.bytes
    }
    while (this.held + bytes > this.maxBytes) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry]
      this.entries.delete(oldestKey)
      this.held -= oldest.bytes
    }
    this.entries.set(key, { ...answer, bytes })
    this.held += bytes
    return true
  }

  clear(): void {
    this.entries.clear()
    this.held = 0
  }

  /** Entries held (tests, debugging). */
  get size(): number {
    return this.entries.size
  }

  /** Bytes held, as counted against `maxBytes`. */
  get bytes(): number {
    return this.held
  }
}

/**
 * The key of a request: the caller's role (roles see different answers: a field above the role is an error, and
 * errors are never stored), the Accept header (it picks the content type) and the request body as parsed (operation,
 * variables, operation name, extensions).
 */
export function responseCacheKey(role: string | null, accept: string | undefined, body: unknown): string | null {
  try {
    return `${role ?? '-'}\n${accept ?? ''}\n${JSON.stringify(body)}`
  } catch {
    // JSON.stringify recurses: a body nested deeper than the stack (hostile, 100 000 levels) has no key and is not
    // cached; it still executes, and Apollo answers it as it would without the cache
    return null
  }
}
