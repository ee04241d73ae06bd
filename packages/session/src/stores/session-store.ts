/**
 * Where sealed session values live. Keys arrive already hashed; values are already sealed, so a store
 * never sees a session id or plaintext data. A store that cannot answer throws SessionStoreUnavailableError.
 */
export interface SessionStore {
  /** The sealed value, or null when the key is gone (signed out, revoked or expired). */
  get(key: string): Promise<string | null>;
  /** Writes the value with a time to live in seconds. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
}
