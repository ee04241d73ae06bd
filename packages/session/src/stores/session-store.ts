/**
 * Where sealed session values live. Keys arrive already hashed and values already sealed, so a store never
 * sees a session id or plaintext data. Times are epoch milliseconds from the session's clock. A store that
 * cannot answer throws SessionStoreUnavailableError.
 *
 * A store also keeps a per-user index (user id → that user's session keys, each with its expiry), so a
 * user's sessions are listed without scanning the store. The index is a hint, never the truth: every
 * entry is checked against the session itself when read, and entries whose session is gone are pruned.
 */
export interface SessionStore {
  /** The sealed value, or null when the key is gone (signed out, revoked or expired). */
  get(key: string): Promise<string | null>;
  /**
   * Writes the value until `expiresAt`, with `userId` also indexing the key under that user until then.
   * - "create" writes only if the key is new;
   * - "update" is a compare-and-set: it writes only if the stored value is still `expected` (the exact
   *   string this request read). A key that is gone stays gone, so a session ended elsewhere is never
   *   brought back; a value changed meanwhile comes back as `current`, for the caller to merge and retry.
   */
  set(key: string, value: string, write: StoreWrite): Promise<WriteResult>;
  /**
   * Deletes the session and, with `userId`, its index entry, and announces its end to `subscribeEnded`
   * (`replaced`: the same browser goes on under a new id, as after a password change).
   */
  delete(key: string, userId?: string, options?: { replaced?: boolean }): Promise<void>;
  /** The user's sessions that still exist, as [key, sealed value] pairs, pruning index entries that are not. */
  listByUser(userId: string, now: number): Promise<Array<[key: string, value: string]>>;
  /** Marks `key` as used until `expiresAt`; resolves false if it already was. For one-time tokens. */
  claim(key: string, expiresAt: number, now: number): Promise<boolean>;
  /** Whether `key` was claimed and the claim has not expired. */
  isClaimed(key: string): Promise<boolean>;
  /** Optional, for live sign-out: milliseconds until `key` expires if nothing touches it, or null when it is gone. */
  expiresIn?(key: string): Promise<number | null>;
  /**
   * Optional, for live sign-out: calls `onEnded(key, replaced)` for every session that any app deletes from now on
   * (delete() announces it), and `onResync()` after a lost connection comes back, when announcements may
   * have been missed. Resolves to a function that stops listening. Announcements carry the key and the
   * `replaced` flag delete() was given (the same browser goes on under a new id), nothing else.
   */
  subscribeEnded?(onEnded: (key: string, replaced: boolean) => void, onResync: () => void): Promise<() => Promise<void>>;
  /**
   * Optional, for the sign-in guard (see manager.ts, `signInTicket`): a counter of revocations shared by
   * every app, and per user the counter's value at the user's latest revocation. `countRevocation` bumps
   * the counter and raises the user's mark to the new value (never lowers it), resolving when both are
   * written; `revocationCount` reads the counter, `lastRevocationOf` the user's mark (0: never revoked).
   * A store without them offers no guard: a sign-in racing a revocation may then survive it.
   */
  countRevocation?(userId: string): Promise<number>;
  revocationCount?(): Promise<number>;
  lastRevocationOf?(userId: string): Promise<number>;
}

/** The types a store's methods take and give: `SessionStore.Write`, `SessionStore.WriteResult`. */
export declare namespace SessionStore {
  /** What `set` is asked to do: create the key, or compare-and-set it (see `set`). */
  type Write = StoreWrite;
  /** What `set` did: written (see `userSessions` below), gone, or changed meanwhile (`current`). */
  type WriteResult = StoreWriteResult;
}

export type StoreWrite = { expiresAt: number; now: number; userId?: string } & (
  | { mode: "create" }
  | { mode: "update"; expected: string }
);

/**
 * `userSessions`: after a write with `userId`, how many entries the user's index holds (expired ones
 * dropped), so a cap on sessions per user costs no extra command while the user is under it. Optional:
 * without it, the cap lists the user's sessions at each new one.
 */
type StoreWriteResult = { status: "written"; userSessions?: number } | { status: "gone" } | { status: "changed"; current: string };
export type WriteResult = StoreWriteResult;
