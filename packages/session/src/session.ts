import { processWide } from "./process-wide";
import type { SessionCookieJar } from "./cookies";
import { type LegacyCookie, type Loaded, loadSession, type StoredSession } from "./load";
import { type NormalizedSessionOptions, type SessionConfigUpdate, updatedOptions } from "./options";
import { sealCookie } from "./seal";
import { generateSessionId, storeKeyFor } from "./session-id";
import { createStoredSession, updateStoredSession } from "./store-writes";

/**
 * - "anonymous": no session (no cookie, or one that is forged or not ours);
 * - "active": a session the store has;
 * - "expired": the cookie was genuine but its session has ended: timed out, signed out or revoked elsewhere;
 * - "legacy": a stateless iron-session cookie being migrated; `save()` moves it into the store.
 */
export type SessionState = "anonymous" | "active" | "expired" | "legacy";

/** iron-session's methods, the only names the session object reserves. Not enumerable: the data serialises alone. */
export interface SessionMethods {
  /** Writes the data to the store and sends the cookie again, so the session lives `ttl` from now. */
  readonly save: () => Promise<void>;
  /**
   * Clears the data and the cookie before it returns, and ends the session in the store (so in every app)
   * at once; the promise settles when the store has. iron-session users call it without `await`: that works.
   */
  readonly destroy: () => Promise<void>;
  /** Changes the cookie's name, options and ttl for the next `save()`, as iron-session's does. */
  readonly updateConfig: (options: SessionConfigUpdate) => void;
}

/**
 * iron-session's session type: the app's data and the methods. Every field is optional on read, as in
 * iron-session 9: a first visit, an ended session and a `destroy()` all leave an empty object.
 */
export type IronSession<T> = Partial<T> & SessionMethods;

/** The same type under Ironlink's earlier name. */
export type Session<T extends object> = IronSession<T>;

/** Ironlink's own facts about a session, kept off the session object: see sessionInfo(). */
export interface SessionInfo {
  state: SessionState;
  /** The session's id in the store (a hash of the secret id, safe to show): what `listSessions` lists. */
  publicId: string | undefined;
}

const reservedNames = new Set(["save", "destroy", "updateConfig"]);

const destroyedSessionWritten =
  "ironlink: Cannot save a destroyed session that has data written back into it. session.destroy() signs the person out everywhere, and saving these fields would sign them in again. Write the fields before destroy(), or start a new session first: `await regenerateSession(session)` (or getIronSession() again), then set the fields and save.";

/**
 * iron-session 9 refuses data that JSON would silently change: a Date comes back as a string, a Map, a Set
 * or another class's instance as a plain object, a function is lost. Throws naming the field and the fix.
 */
function assertStorable(data: object): void {
  const found = unstorableIn(data, "session");
  if (found) {
    throw new TypeError(
      `ironlink: The session data is not JSON serializable (${found}). Store plain JSON values only: a Date must be stored as a timestamp (Date.now()) or an ISO string, and Map/Set/BigInt/functions are not supported.`,
    );
  }
}

function unstorableIn(value: unknown, path: string, depth = 0): string | undefined {
  const type = typeof value;
  if (type === "bigint" || type === "function" || type === "symbol") return `${path} is a ${type}`;
  if (type !== "object" || value === null || depth > 32) return undefined;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) {
    return `${path} is a ${(prototype as { constructor?: { name?: string } }).constructor?.name ?? "class instance"}`;
  }
  const entries = Array.isArray(value)
    ? value.map((item, index) => [`[${index}]`, item] as const)
    : Object.entries(value as Record<string, unknown>).map(([key, item]) => [`.${key}`, item] as const);
  for (const [suffix, item] of entries) {
    const found = unstorableIn(item, `${path}${suffix}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** From each session object to the request state behind it, so the object itself carries only data and iron-session's methods. */
// Shared by every copy of this module in the process: a framework may bundle the package more than once
// (Next.js builds instrumentation, the proxy and the routes apart), and a session made by one copy must
// still be recognised by regenerateSession() or sessionInfo() from another.
const handles = processWide("ironlink.session.handles", () => new WeakMap<object, SessionHandle>());

/** Reads the session the request's cookies point at and returns its object: the data, plus save, destroy and updateConfig. */
export async function openSession<T extends object>(jar: SessionCookieJar, options: NormalizedSessionOptions): Promise<IronSession<T>> {
  const loaded = await loadSession<Record<string, unknown>>(jar.readAll(options.cookieName), options);
  return new SessionHandle(jar, options, loaded).session as IronSession<T>;
}

/** Whether the request is in a session, and which one (its public id). */
export function sessionInfo(session: object): SessionInfo {
  const handle = handleOf(session);
  return { state: handle.state, publicId: handle.state === "active" ? handle.stored?.record.key : undefined };
}

/**
 * Ends the current session in the store and starts an empty one with a fresh id (written on the next
 * `save()`). Call it at sign-in, so an id planted before sign-in is worthless after it.
 */
export async function regenerateSession(session: object): Promise<void> {
  const handle = handleOf(session);
  // Replaced, not ended: this browser's open tabs move to the new session instead of hearing a sign-out.
  await handle.end("anonymous", { replaced: true });
  handle.sessionId = generateSessionId();
  handle.destroyed = false; // a new session, which may be saved even after a destroy()
}

/**
 * The secret id of an active session, for the fleet's one-time sign-in codes (fleet/handoff.ts) only:
 * not exported from the package, so an app never handles it.
 */
export function activeSessionIdOf(session: object): string | undefined {
  const handle = handleOf(session);
  return handle.state === "active" ? handle.sessionId : undefined;
}

function handleOf(session: object): SessionHandle {
  const handle = typeof session === "object" && session !== null ? handles.get(session) : undefined;
  if (!handle) throw new TypeError("ironlink: not a session: pass the object getIronSession() returned.");
  return handle;
}

/**
 * One request's view of its session, from load to the end of the request: what it read (the base a save
 * merges into, and the value its compare-and-set expects), the id it writes under, and the cookie jar.
 */
class SessionHandle {
  readonly session: Record<string, unknown> = {};
  state: SessionState;
  /** The id the next save writes under: the loaded one, a fresh one after regenerate, or none yet. */
  sessionId: string | undefined;
  /** The stored session as last read or written, while active. */
  stored: StoredSession | undefined;
  /** The iron-session cookie being migrated, while the state is "legacy". */
  legacy: LegacyCookie<Record<string, unknown>> | undefined;
  /** destroy() was called: terminal, as in iron-session 9 (a bare save is ignored; one with data throws). */
  destroyed = false;
  /** A store deletion under way (destroy, regenerate): a save waits for it. */
  #ending: Promise<void> | undefined;
  readonly #jar: SessionCookieJar;
  #options: NormalizedSessionOptions;

  constructor(jar: SessionCookieJar, options: NormalizedSessionOptions, loaded: Loaded<Record<string, unknown>>) {
    this.#jar = jar;
    this.#options = options;
    this.state = loaded.state;
    if (loaded.state === "active") {
      this.sessionId = loaded.sessionId;
      this.stored = loaded.stored;
      this.#replaceData(loaded.stored.record.data);
    } else if (loaded.state === "legacy") {
      this.legacy = loaded.legacy;
      this.#replaceData(loaded.legacy.data);
    }
    Object.defineProperties(this.session, {
      save: { value: () => this.save() },
      destroy: { value: () => this.destroy() },
      updateConfig: { value: (next: SessionConfigUpdate) => this.updateConfig(next) },
    });
    handles.set(this.session, this);
  }

  async save(): Promise<void> {
    if (this.destroyed) return this.#saveAfterDestroy();
    assertStorable(this.session);
    this.#jar.assertWritable(); // before the store is written: a stored session whose cookie cannot be sent is an orphan
    const ending = this.#ending;
    this.#ending = undefined;
    await ending;
    const now = this.#options.clock();
    if (this.state === "legacy" && !(await this.#claimLegacy(now))) {
      // The same iron-session cookie was migrated already (a replay, or a concurrent request).
      this.#forget("expired");
      return;
    }
    const data = { ...this.session };
    const written =
      this.state === "active" && this.stored
        ? await updateStoredSession(this.stored, data, now, this.#options)
        : await this.#create(data, now);
    if (!written) return this.#forget("expired");
    this.state = "active";
    this.stored = written;
    this.legacy = undefined;
    this.#replaceData(written.record.data);
    // Every save sends the cookie again, sealed anew: the session rolls on for another ttl, as in iron-session.
    const { cookieName, passwords, ttl, cookieOptions } = this.#options;
    this.#jar.write(cookieName, await sealCookie(this.sessionId as string, passwords, ttl), cookieOptions);
  }

  destroy(): Promise<void> {
    this.destroyed = true;
    const ending = this.end("anonymous");
    const { cookieName, cookieOptions } = this.#options;
    this.#jar.write(cookieName, "", { ...cookieOptions, maxAge: 0 });
    return ending;
  }

  updateConfig(next: SessionConfigUpdate): void {
    this.#options = updatedOptions(this.#options, next);
  }

  /**
   * Forgets the session at once (data, id, state) and starts ending it in the store: deleting it, or for an
   * iron-session cookie dropped instead of migrated, claiming it so it cannot be migrated later either.
   */
  end(next: SessionState, { replaced = false } = {}): Promise<void> {
    const { store, clock, userId } = this.#options;
    const stored = this.state === "active" ? this.stored : undefined;
    const legacy = this.state === "legacy" ? this.legacy : undefined;
    this.#forget(next);
    const ending = stored
      ? store.delete(stored.record.key, userId(stored.record.data), { replaced })
      : legacy
        ? this.#claim(legacy, clock()).then(() => undefined)
        : Promise.resolve();
    this.#ending = ending;
    // destroy() is usually not awaited (iron-session's returns nothing): a failure must be seen, not crash the process.
    ending.catch((error: unknown) => {
      console.error(`ironlink: ending the session in the store failed; its cookie was cleared, but the stored session lives on until it expires.`, error);
    });
    return ending;
  }

  /** A logout handler that destroys and then saves (or a wrapper saving every request) must stay signed out. */
  async #saveAfterDestroy(): Promise<void> {
    await this.#ending;
    if (Object.keys(this.session).length > 0) throw new Error(destroyedSessionWritten);
  }

  async #create(data: Record<string, unknown>, now: number): Promise<StoredSession | undefined> {
    this.sessionId ??= generateSessionId();
    // The store first: a cookie must never point at a session that was not written.
    return createStoredSession(storeKeyFor(this.sessionId), data, now, this.#options);
  }

  #claimLegacy(now: number): Promise<boolean> {
    return this.legacy ? this.#claim(this.legacy, now) : Promise.resolve(true);
  }

  #claim(legacy: LegacyCookie<unknown>, now: number): Promise<boolean> {
    return this.#options.store.claim(legacy.claimKey, Math.max(now + this.#options.ttl * 1000, legacy.claimUntil ?? 0), now);
  }

  #forget(next: SessionState): void {
    this.sessionId = undefined;
    this.stored = undefined;
    this.legacy = undefined;
    this.state = next;
    this.#replaceData({});
  }

  #replaceData(data: Record<string, unknown>): void {
    for (const field of Object.keys(this.session)) delete this.session[field];
    for (const [field, value] of Object.entries(data)) {
      // iron-session's methods shadow data of their names, which it never saved (they are not enumerable).
      // Defined, not assigned, so that a field named __proto__ stays data.
      if (!reservedNames.has(field)) Object.defineProperty(this.session, field, { value, enumerable: true, writable: true, configurable: true });
    }
  }
}
