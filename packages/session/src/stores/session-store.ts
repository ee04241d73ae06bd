/**
 * Where sealed session values live. Keys arrive already hashed; values are already sealed, so a store
 * never sees a session id or plaintext data. A store that cannot answer throws SessionStoreUnavailableError.
 */
export type WriteMode = "create" | "update";

export interface SessionStore {
  /** The sealed value, or null when the key is gone (signed out, revoked or expired). */
  get(key: string): Promise<string | null>;
  /**
   * Writes the value with a time to live in seconds. "create" writes only if the key is new; "update"
   * only if it still exists, so a session ended elsewhere is never brought back. Resolves false when the
   * condition stopped the write.
   */
  set(key: string, value: string, ttlSeconds: number, mode: WriteMode): Promise<boolean>;
  delete(key: string): Promise<void>;
}
