/**
 * `@ironlink/session/file`: the shared-directory store, and the file primitives it is built from, exported
 * as building blocks for other file-backed records that several processes share (a lock across processes,
 * an atomic write, a read that treats a missing file as absent).
 */
export { FileStore } from "./stores/file-store";
export { readTextIfExists, withFileLock, writeFileAtomic } from "./stores/file-io";
