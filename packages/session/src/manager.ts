import type { IncomingMessage, ServerResponse } from "node:http";
import { type CookieStore, jarFor } from "./cookies";
import { expiryOf } from "./lifetime";
import { type NormalizedSessionOptions, normalizeOptions, type SessionOptions } from "./options";
import { unsealStoredValue } from "./seal";
import { openSession, type Session } from "./session";
import { isStoreKey } from "./session-id";

/** One of a user's sessions, as `listSessions` returns it. */
export interface ListedSession<T extends object> {
  publicId: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  data: Partial<T>;
}

export interface SessionManager<T extends object> {
  getSession(cookies: CookieStore): Promise<Session<T>>;
  getSession(req: IncomingMessage | Request, res: ServerResponse | Response): Promise<Session<T>>;
  /** The user's live sessions, most recently seen first. Costs O(that user's sessions), never a scan. */
  listSessions(userId: string): Promise<ListedSession<T>[]>;
  /**
   * Ends one session, in every app, from its next request on. Resolves false if it did not exist or, with
   * `userId`, belongs to someone else (so a user can only end their own sessions).
   */
  revokeSession(publicId: string, options?: { userId?: string }): Promise<boolean>;
  /** Ends every session of the user but `except` (a publicId, typically the current session). Resolves the count. */
  revokeUserSessions(userId: string, options?: { except?: string }): Promise<number>;
}

/** Options checked once and the operations that need no request. Use one per app. */
export function createSessionManager<T extends object>(options: SessionOptions): SessionManager<T> {
  const normalized = normalizeOptions(options);
  const { store, clock, userId: userIdOf } = normalized;
  const ownerOf = (data: unknown) => userIdOf(data as Record<string, unknown>);

  async function listSessions(userId: string): Promise<ListedSession<T>[]> {
    const now = clock();
    const sessions: ListedSession<T>[] = [];
    for (const [key, raw] of await store.listByUser(userId, now)) {
      const record = await unsealStoredValue<Partial<T>>(raw, key, normalized.passwords);
      if (!record || ownerOf(record.data) !== userId) continue;
      const expiresAt = expiryOf(record, normalized);
      if (expiresAt <= now) {
        await store.delete(key, userId);
        continue;
      }
      sessions.push({ publicId: key, createdAt: record.createdAt, lastSeenAt: record.touchedAt, expiresAt, data: record.data });
    }
    return sessions.sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  return {
    getSession: ((...args: [CookieStore] | [IncomingMessage | Request, ServerResponse | Response]) =>
      openSession<Partial<T>>(jarFor(args), normalized)) as SessionManager<T>["getSession"],
    listSessions,
    async revokeSession(publicId, { userId } = {}) {
      if (!isStoreKey(publicId)) return false;
      const raw = await store.get(publicId);
      if (raw === null) return false;
      const record = await unsealStoredValue(raw, publicId, normalized.passwords);
      const owner = record ? ownerOf(record.data) : undefined;
      if (userId !== undefined && owner !== userId) return false;
      await store.delete(publicId, owner);
      return true;
    },
    async revokeUserSessions(userId, { except } = {}) {
      const entries = await store.listByUser(userId, clock());
      const doomed: string[] = [];
      for (const [key, raw] of entries) {
        if (key === except) continue;
        // The index is a hint: a session saved since under another user's data is no longer this user's to end.
        const record = await unsealStoredValue(raw, key, normalized.passwords);
        if (record && ownerOf(record.data) !== userId) continue;
        doomed.push(key);
      }
      await Promise.all(doomed.map((key) => store.delete(key, userId)));
      return doomed.length;
    },
  };
}

// Options objects are usually module constants: check each once, not on every request.
const normalizedOptions = new WeakMap<SessionOptions, NormalizedSessionOptions>();
export function normalizedOnce(options: SessionOptions): NormalizedSessionOptions {
  if (!options || typeof options !== "object") return normalizeOptions(options);
  let normalized = normalizedOptions.get(options);
  if (!normalized) {
    normalized = normalizeOptions(options);
    normalizedOptions.set(options, normalized);
  }
  return normalized;
}
