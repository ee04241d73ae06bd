import type { IncomingMessage, ServerResponse } from "node:http";
import { type CookieJar, type CookieStore, jarFromCookieStore, jarFromRequest } from "./cookies";
import { SessionConfigError, SessionStoreUnavailableError } from "./errors";
import { type NormalizedSessionOptions, normalizeOptions, type SessionOptions } from "./options";
import { canonicalSeal, openCookie, sealCookie, sealOpensUntil, sealStoredValue, type StoredValue, unsealStoredValue } from "./seal";
import { generateSessionId, hashedName, isStoreKey, storeKeyFor } from "./session-id";

/**
 * - "anonymous": no session (no cookie, or one that is forged or not ours);
 * - "active": a session the store has;
 * - "expired": the cookie was genuine but its session has ended: timed out, signed out or revoked elsewhere;
 * - "legacy": a stateless iron-session cookie being migrated; `save()` moves it into the store.
 */
export type SessionState = "anonymous" | "active" | "expired" | "legacy";

export interface SessionMethods {
  /** Writes the data to the store; a new session also gets its id and cookie. */
  save(): Promise<void>;
  /** Deletes the session from the store, so it ends in every app at once, and clears the cookie. */
  destroy(): Promise<void>;
  /**
   * Drops the current session from the store and starts an empty one with a fresh id (written on the next
   * `save()`). Call it at sign-in, so an id planted before sign-in is worthless after it.
   */
  regenerate(): Promise<void>;
  readonly state: SessionState;
  /** The session's id in the store (a hash of the secret id, safe to show): what `listSessions` lists. */
  readonly publicId: string | undefined;
}

/** The session data, typed by the app, plus the methods. The methods are not enumerable, so the data serialises alone. */
export type Session<T extends object> = Partial<T> & SessionMethods;

/** One of a user's sessions, as `listSessions` returns it. */
export interface SessionInfo<T extends object> {
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
  listSessions(userId: string): Promise<SessionInfo<T>[]>;
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

  async function listSessions(userId: string): Promise<SessionInfo<T>[]> {
    const now = clock();
    const sessions: SessionInfo<T>[] = [];
    for (const [key, raw] of await store.listByUser(userId, now)) {
      const record = await unsealStoredValue<Partial<T>>(raw, key, normalized.passwords, normalized.ttl);
      if (!record || userIdOf(record.data) !== userId) continue;
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
      createSession<T>(jarFrom(args), normalized)) as SessionManager<T>["getSession"],
    listSessions,
    async revokeSession(publicId, { userId } = {}) {
      if (!isStoreKey(publicId)) return false;
      const raw = await store.get(publicId);
      if (raw === null) return false;
      const record = await unsealStoredValue(raw, publicId, normalized.passwords, normalized.ttl);
      const owner = record ? userIdOf(record.data as Record<string, unknown>) : undefined;
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
        const record = await unsealStoredValue(raw, key, normalized.passwords, normalized.ttl);
        if (record && userIdOf(record.data as Record<string, unknown>) !== userId) continue;
        doomed.push(key);
      }
      await Promise.all(doomed.map((key) => store.delete(key, userId)));
      return doomed.length;
    },
  };
}

// Options objects are usually module constants: check each once, not on every request.
const normalizedOptions = new WeakMap<SessionOptions, NormalizedSessionOptions>();
function normalizedOnce(options: SessionOptions): NormalizedSessionOptions {
  if (!options || typeof options !== "object") return normalizeOptions(options);
  let normalized = normalizedOptions.get(options);
  if (!normalized) {
    normalized = normalizeOptions(options);
    normalizedOptions.set(options, normalized);
  }
  return normalized;
}

/** For the Next.js App Router: `await getSession<Data>(await cookies(), options)`. */
export function getSession<T extends object>(cookies: CookieStore, options: SessionOptions): Promise<Session<T>>;
/** For Node (`IncomingMessage`, `ServerResponse`) or Fetch (`Request`, `Response`) servers. */
export function getSession<T extends object>(
  req: IncomingMessage | Request,
  res: ServerResponse | Response,
  options: SessionOptions,
): Promise<Session<T>>;
export async function getSession<T extends object>(
  ...args: [CookieStore, SessionOptions] | [IncomingMessage | Request, ServerResponse | Response, SessionOptions]
): Promise<Session<T>> {
  const options = args[args.length - 1] as SessionOptions;
  const target = args.slice(0, -1) as [CookieStore] | [IncomingMessage | Request, ServerResponse | Response];
  return createSession<T>(jarFrom(target), normalizedOnce(options));
}

function jarFrom(args: [CookieStore] | [IncomingMessage | Request, ServerResponse | Response]): CookieJar {
  if (args.length === 1) {
    const [cookies] = args;
    if (!cookies || typeof cookies.get !== "function") {
      throw new SessionConfigError("ironlink: getSession(cookies, options) needs a cookie store, e.g. `await cookies()` from next/headers.");
    }
    return jarFromCookieStore(cookies);
  }
  const [req, res] = args;
  if (!req || !res) throw new SessionConfigError("ironlink: getSession(req, res, options) needs both a request and a response.");
  return jarFromRequest(req, res);
}

type Loaded<T> =
  | { state: "anonymous" }
  | { state: "expired" }
  | { state: "active"; sessionId: string; record: StoredValue<Partial<T>>; raw: string }
  | { state: "legacy"; data: Partial<T>; claimKey: string; claimUntil: number | undefined };

/** How many times a save merges and retries when other writers keep changing the session under it. */
const maxWriteAttempts = 20;

async function createSession<T extends object>(jar: CookieJar, options: NormalizedSessionOptions): Promise<Session<T>> {
  const { passwords, cookieName, ttl, cookieOptions, store, clock, userId: userIdOf } = options;
  const loaded = await load<T>(jar.readAll(cookieName), options);

  let state: SessionState = loaded.state;
  let sessionId = loaded.state === "active" ? loaded.sessionId : undefined;
  let createdAt = loaded.state === "active" ? loaded.record.createdAt : undefined;
  // The stored value as this request last saw it: the base that save() merges its changes into, and the
  // value its compare-and-set expects to find.
  let raw = loaded.state === "active" ? loaded.raw : undefined;
  let base: Record<string, unknown> = loaded.state === "active" ? loaded.record.data : {};
  // The user the store indexed this session under, so ending it also removes the index entry.
  let indexedUser = loaded.state === "active" ? userIdOf(loaded.record.data) : undefined;
  const session = { ...(loaded.state === "active" ? loaded.record.data : loaded.state === "legacy" ? loaded.data : {}) } as Session<T>;

  const replaceData = (data: Record<string, unknown>) => {
    for (const field of Object.keys(session)) delete (session as Record<string, unknown>)[field];
    Object.assign(session, data);
  };
  const forget = (next: SessionState) => {
    sessionId = createdAt = indexedUser = raw = undefined;
    base = {};
    state = next;
    replaceData({});
  };
  const end = async (next: SessionState) => {
    if (sessionId && state === "active") await store.delete(storeKeyFor(sessionId), indexedUser);
    // A legacy cookie that is dropped instead of migrated must not be migrated later either.
    if (state === "legacy" && loaded.state === "legacy") await claimLegacy(loaded, clock());
    forget(next);
  };
  const claimLegacy = (legacy: Extract<Loaded<T>, { state: "legacy" }>, now: number) =>
    store.claim(legacy.claimKey, Math.max(now + ttl * 1000, legacy.claimUntil ?? 0), now);

  async function create(now: number): Promise<void> {
    sessionId ??= generateSessionId();
    createdAt = now;
    const key = storeKeyFor(sessionId);
    const data = { ...session } as Record<string, unknown>;
    const record: StoredValue<Record<string, unknown>> = { key, data, createdAt, touchedAt: now };
    const sealed = await sealStoredValue(record, passwords, ttl);
    const userId = userIdOf(data);
    // The store first: a cookie must never point at a session that was not written.
    const result = await store.set(key, sealed, { mode: "create", expiresAt: expiryOf(record, options), now, userId });
    if (result.status !== "written") return forget("expired"); // an id collision: 256 random bits make it moot
    state = "active";
    raw = sealed;
    base = data;
    indexedUser = userId;
    jar.write(cookieName, await sealCookie(sessionId, passwords, ttl), cookieOptions);
  }

  /**
   * Writes only what this request changed, merged into the stored value under a compare-and-set, so two
   * apps (or tabs) saving different fields at once both keep their change. A session ended elsewhere
   * stays ended. Saves of one session within this process queue up, so they do not race each other.
   */
  async function update(now: number): Promise<void> {
    const key = storeKeyFor(sessionId as string);
    const changes = changedFields(base, session);
    await oneWriterAtATime(key, async () => {
      for (let attempt = 0; attempt < maxWriteAttempts; attempt++) {
        const data = applyChanges(base, changes);
        const record: StoredValue<Record<string, unknown>> = { key, data, createdAt: createdAt as number, touchedAt: now };
        const sealed = await sealStoredValue(record, passwords, ttl);
        const userId = userIdOf(data);
        const result = await store.set(key, sealed, { mode: "update", expected: raw as string, expiresAt: expiryOf(record, options), now, userId });
        if (result.status === "written") {
          raw = sealed;
          base = data;
          indexedUser = userId;
          replaceData(data);
          return;
        }
        const current = result.status === "changed" ? await unsealStoredValue<Record<string, unknown>>(result.current, key, passwords, ttl) : undefined;
        if (!current || result.status !== "changed") return forget("expired"); // signed out or revoked meanwhile: never resurrect
        raw = result.current;
        base = current.data;
        createdAt = current.createdAt;
      }
      throw new SessionStoreUnavailableError(`ironlink: the session changed under ${maxWriteAttempts} concurrent saves in a row; try again.`);
    });
  }

  Object.defineProperties(session, {
    state: { get: () => state },
    publicId: { get: () => (sessionId && state === "active" ? storeKeyFor(sessionId) : undefined) },
    save: {
      value: async function save() {
        const now = clock();
        if (state === "legacy" && loaded.state === "legacy" && !(await claimLegacy(loaded, now))) {
          // The same iron-session cookie was migrated already (a replay, or a concurrent request).
          forget("expired");
          return;
        }
        await (state === "active" ? update(now) : create(now));
      },
    },
    destroy: {
      value: async function destroy() {
        await end("anonymous");
        jar.write(cookieName, "", { ...cookieOptions, maxAge: 0 });
      },
    },
    regenerate: {
      value: async function regenerate() {
        await end("anonymous");
        sessionId = generateSessionId();
      },
    },
  });
  return session;
}

interface FieldChanges {
  set: Record<string, unknown>;
  removed: string[];
}

/** The top-level fields this request set, changed or deleted since it read the session. */
function changedFields(base: Record<string, unknown>, session: object): FieldChanges {
  const current = { ...session } as Record<string, unknown>;
  const set: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(current)) {
    if (!(field in base) || JSON.stringify(value) !== JSON.stringify(base[field])) set[field] = value;
  }
  return { set, removed: Object.keys(base).filter((field) => !(field in current)) };
}

function applyChanges(base: Record<string, unknown>, { set, removed }: FieldChanges): Record<string, unknown> {
  const data = { ...base, ...set };
  for (const field of removed) delete data[field];
  return data;
}

const writeQueues = new Map<string, Promise<void>>();
async function oneWriterAtATime(key: string, write: () => Promise<void>): Promise<void> {
  const previous = writeQueues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => {
    done = resolve;
  });
  const tail = previous.then(() => mine);
  writeQueues.set(key, tail);
  await previous;
  try {
    await write();
  } finally {
    done();
    if (writeQueues.get(key) === tail) writeQueues.delete(key);
  }
}

/** When a session ends: its idle window or its absolute limit, whichever comes first. */
function expiryOf(record: { createdAt: number; touchedAt: number }, options: NormalizedSessionOptions): number {
  const absolute = record.createdAt + options.absoluteTimeoutMs;
  return options.idleTimeoutMs === undefined ? absolute : Math.min(absolute, record.touchedAt + options.idleTimeoutMs);
}

/**
 * What the request's session cookies point at. There is usually one. When the Cookie header holds several
 * values of the name (one planted from another port of the host or a sibling subdomain is sent along with
 * ours), each is opened and the request is in a session only if exactly one of them is live: with two, it
 * would be the victim's or the planter's, and nothing tells which, so it is neither. Whatever the request
 * then writes (save, destroy) goes out as for any anonymous session, replacing our cookie.
 */
async function load<T>(cookies: string[], options: NormalizedSessionOptions): Promise<Loaded<T>> {
  const distinct = [...new Set(cookies)];
  if (distinct.length <= 1) return loadOne(distinct[0], options);
  const candidates = await Promise.all(distinct.map((cookie) => loadOne<T>(cookie, options)));
  const live = candidates.filter((candidate) => candidate.state === "active" || candidate.state === "legacy");
  if (live.length > 1) return { state: "anonymous" };
  // The one live cookie; with none, as for the first (expired, say, rather than anonymous, when it was ours).
  return live[0] ?? candidates[0] ?? { state: "anonymous" };
}

/** What one cookie points at. A read is one store command, plus one write when the idle window is due an extension. */
async function loadOne<T>(cookie: string | undefined, options: NormalizedSessionOptions): Promise<Loaded<T>> {
  const { passwords, ttl, store, clock, userId: userIdOf } = options;
  if (!cookie) return { state: "anonymous" };
  const content = await openCookie(cookie, passwords, ttl);
  if (!content) return { state: "anonymous" };

  if ("legacyData" in content) {
    if (options.legacyCookies !== "migrate") return { state: "anonymous" };
    // Keyed on the seal, not on the string it came in, so that no other spelling of it migrates again.
    const claimKey = `legacy:${hashedName(canonicalSeal(cookie))}`;
    if (await store.isClaimed(claimKey)) return { state: "expired" };
    // The claim must last as long as the legacy cookie opens, or it could be migrated again once the claim expires.
    return { state: "legacy", data: content.legacyData as Partial<T>, claimKey, claimUntil: sealOpensUntil(cookie) };
  }

  const key = storeKeyFor(content.sessionId);
  const stored = await store.get(key);
  if (stored === null) return { state: "expired" };
  const record = await unsealStoredValue<Partial<T>>(stored, key, passwords, ttl);
  if (!record) return { state: "anonymous" };

  const now = clock();
  const expiresAt = expiryOf(record, options);
  const userId = userIdOf(record.data);
  if (expiresAt <= now) {
    // Timed out: the store's own expiry may lag a clock, so remove it now.
    await store.delete(key, userId);
    return { state: "expired" };
  }
  if (now - record.touchedAt >= options.touchIntervalMs) {
    // Extend the idle window, as a compare-and-set: a save that landed meanwhile extended it already and
    // must not be overwritten with this older data.
    const touched = { ...record, touchedAt: now };
    const sealed = await sealStoredValue(touched, passwords, ttl);
    const result = await store.set(key, sealed, { mode: "update", expected: stored, expiresAt: expiryOf(touched, options), now, userId });
    if (result.status === "gone") return { state: "expired" };
    if (result.status === "written") return { state: "active", sessionId: content.sessionId, record: touched, raw: sealed };
  }
  return { state: "active", sessionId: content.sessionId, record, raw: stored };
}

