// URLs as they may appear in messages, logs and the partition manifest: an RPC URL carries its API key in the path,
// the query or the user info, so only the scheme and host are shown.

/** `https://host[:port]/…` when the URL has anything beyond its origin; the origin alone otherwise. */
export function redactUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return '[redacted URL]'
  }
  const hidden = parsed.username || parsed.password || parsed.search || parsed.hash || parsed.pathname !== '/'
  return hidden ? `${parsed.protocol}//${parsed.host}/[redacted]` : `${parsed.protocol}//${parsed.host}`
}
