/**
 * The library's internals that the benchmarks need and its public entries deliberately do not export: the
 * session id and store key derivation (to plant sessions "written by another app", unseen by this process's
 * seal cache) and the stored value's seal (to fill Redis with genuine values quickly). The one place in the
 * workspace, outside packages/session itself, that reaches into the package's source.
 */
export { sealStoredValue } from "../../packages/session/src/seal";
export { generateSessionId, storeKeyFor } from "../../packages/session/src/session-id";
