// Types of scripts/buildState.mjs (plain JavaScript so bin/backstop.js can read it before any loader is registered).
export declare const builtEntry: (root: string) => string
export declare const buildStamp: (root: string) => string
export declare function buildIsFresh(root: string): boolean
