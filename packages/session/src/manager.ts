import type { IncomingMessage, ServerResponse } from "node:http";
import { type CookieJar, type CookieStore, jarFor } from "./cookies";
import { expiryOf } from "./lifetime";
import { type NormalizedSessionOptions, normalizeOptions, type SessionOptions } from "./options";
import { unsealStoredValue } from "./seal";
import { openSession, type Session } from "./session";
import { isStoreKey } from "./session-id";
import type { SessionStore } from "./stores/session-store";

/** One of a user's sessions, as `listSessions` returns it. */
export interface ListedSession<T extends object> {
  publicId: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  data: Partial<T>;
}

export interface SessionManager<T extends object> {
  getSession(cookies: CookieStore | CookieJar): Promise<Session<T>>;
  getSession(req: IncomingMessage | Request, res: ServerResponse | Response): Promise<Session<T>>;
  /** The user's live sessions, most recently seen first. Costs O(that user's sessions), never a scan. */
  listSessions(userId: string): Promise<ListedSession<T>[]>;
  /**
   * Ends one session, in every app, from its next request on. Resolves false if it did not exist or, with
   * `userId`, belongs to someone else (so a user can only end their own sessions).
   */
  revokeSession(publicId: string, options?: { userId?: string }): Promise<boolean>;
  /**
   * Ends every session of the user but `except` (a publicId, typically the current session). Resolves the
   * count. It first counts a revocation for the user, so a sign-in racing it fails its `isSignInCurrent`
   * check: call it after a password change is stored, never before.
   */
  revokeUserSessions(userId: string, options?: { except?: string }): Promise<number>;
  /**
   * The sign-in guard, part one: take a ticket BEFORE checking the credentials (the user need not be known
   * yet). See `isSignInCurrent`.
   */
  signInTicket(): Promise<SignInTicket>;
  /**
   * The sign-in guard, part two: once the new session is saved, whether no revocation of the user
   * (`revokeUserSessions`: a password change, "sign out everywhere") began since the ticket. False: the
   * credentials checked may be the old ones and the revocation may have missed the new session, so end it
   * (`destroy()`) and ask the person to sign in again. With a store that offers no guard, always true.
   */
  isSignInCurrent(ticket: SignInTicket, userId: string): Promise<boolean>;
}

/** The types its methods give: `SessionManager.ListedSession<T>`, `SessionManager.SignInTicket`. */
export declare namespace SessionManager {
  type ListedSession<T extends object> = ListedSessionOf<T>;
  type SignInTicket = Ticket;
}
type ListedSessionOf<T extends object> = ListedSession<T>;
type Ticket = SignInTicket;

/** What `signInTicket` hands out: opaque to the app. */
export interface SignInTicket {
  readonly revocations: number;
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
    getSession: ((...args: [CookieStore | CookieJar] | [IncomingMessage | Request, ServerResponse | Response]) =>
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
      // Before the listing: see signInGuard below.
      await store.countRevocation?.(userId);
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
    ...signInGuard(store),
  };
}

/**
 * Why no session signed in with old credentials survives a revocation (a password change, "sign out
 * everywhere"), in every interleaving. The store keeps a revocation counter C shared by the fleet and, per
 * user, M: the value of C at the user's latest revocation.
 *
 * - A revocation R: (the new password hash is stored, for a change), then C += 1 giving v and M = max(M, v),
 *   then it lists the user's index and deletes what it finds.
 * - A sign-in S: t = C (the ticket), then checks the password, then saves its session and indexes it,
 *   then reads M: if M > t it ends the session and fails.
 *
 * Take any S that checked the old password (it read the old hash, so before R stored the new one, so before
 * R's bump), or more generally any S whose ticket was read before R's bump: t < v. Then either
 * - S read M after R raised it: M >= v > t, and S ends its own session; or
 * - S read M before R raised it: S's index entry was written before that read, so before R's bump
 *   completed, so before R's listing began: R lists S's session and deletes it.
 * Each step is one command on one key and each party awaits its steps in order, so this holds on one Redis,
 * a Cluster (keys in any slots) and the file store (every change under a lock, renamed into place). M only
 * grows, so two revocations writing M in either order keep the latest. What it does not cover: a failover
 * that loses acknowledged writes (Redis replicates asynchronously).
 *
 * The read path is untouched (one GET per request): the cost is two reads per sign-in and two writes per
 * revocation. A sign-in that starts after the bump passes, as it should: it checked the current password.
 */
function signInGuard(store: SessionStore): Pick<SessionManager<object>, "signInTicket" | "isSignInCurrent"> {
  return {
    signInTicket: async () => ({ revocations: (await store.revocationCount?.()) ?? 0 }),
    isSignInCurrent: async (ticket, userId) => {
      if (!store.lastRevocationOf) return true;
      return (await store.lastRevocationOf(userId)) <= ticket.revocations;
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
