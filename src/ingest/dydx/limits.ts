// Page sizes for indexer lists: 100 is accepted by every indexer version (older ones capped `limit` at 100); a
// block holding more than a page is re-read at 1000, the current maximum (API_LIMIT_V4).
export const PAGE_LIMIT = 100
export const PAGE_LIMIT_MAX = 1000
