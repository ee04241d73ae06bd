import type { IncomingMessage, ServerResponse } from "node:http";
import { type CookieJar, type CookieStore, jarFromCookieStore, jarFromRequest } from "./cookies";
import { SessionConfigError } from "./errors";
import { type NormalizedSessionOptions, normalizeOptions, type SessionOptions } from "./options";
import { sealCookie, sealStoredValue, unsealCookie, unsealStoredValue } from "./seal";
import { generateSessionId, storeKeyFor } from "./session-id";

export interface SessionMethods {
  /** Writes the data to the store and sends the cookie. The first save of a new session gives it its id. */
  save(): Promise<void>;
  /** Deletes the session from the store, so it ends in every app at once, and clears the cookie. */
  destroy(): Promise<void>;
  /**
   * Drops the current session from the store and starts an empty one with a fresh id (written on the next
   * `save()`). Call it at sign-in, so an id planted before sign-in is worthless after it.
   */
  regenerate(): Promise<void>;
}

/** The session data, typed by the app, plus the methods. The methods are not enumerable, so the data serialises alone. */
export type Session<T extends object> = Partial<T> & SessionMethods;

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
  if (args.length === 2) {
    const [cookies, options] = args;
    if (!cookies || typeof cookies.get !== "function") {
      throw new SessionConfigError("ironlink: getSession(cookies, options) needs a cookie store, e.g. `await cookies()` from next/headers.");
    }
    return createSession<T>(jarFromCookieStore(cookies), normalizeOptions(options));
  }
  const [req, res, options] = args;
  if (!req || !res) throw new SessionConfigError("ironlink: getSession(req, res, options) needs both a request and a response.");
  return createSession<T>(jarFromRequest(req, res), normalizeOptions(options));
}

async function createSession<T extends object>(jar: CookieJar, options: NormalizedSessionOptions): Promise<Session<T>> {
  const { passwords, cookieName, ttl, cookieOptions, store } = options;
  const loaded = await load<T>(jar.read(cookieName), options);
  let sessionId = loaded?.sessionId;
  // Whether sessionId is in the store: decides between creating the key and updating it.
  let stored = loaded !== undefined;
  const session = { ...loaded?.data } as Session<T>;

  const clearData = () => {
    for (const field of Object.keys(session)) delete (session as Record<string, unknown>)[field];
  };

  Object.defineProperties(session, {
    save: {
      value: async function save() {
        const mode = stored ? "update" : "create";
        sessionId ??= generateSessionId();
        const key = storeKeyFor(sessionId);
        const data = { ...session };
        // The store first: a cookie must never point at a session that was not written.
        const written = await store.set(key, await sealStoredValue(key, data, passwords, ttl), ttl, mode);
        if (!written) {
          // Signed out or revoked elsewhere since this request loaded it: stay ended, never resurrect.
          sessionId = undefined;
          stored = false;
          clearData();
          return;
        }
        stored = true;
        jar.write(cookieName, await sealCookie(sessionId, passwords, ttl), cookieOptions);
      },
    },
    destroy: {
      value: async function destroy() {
        if (sessionId) await store.delete(storeKeyFor(sessionId));
        sessionId = undefined;
        stored = false;
        clearData();
        jar.write(cookieName, "", { ...cookieOptions, maxAge: 0 });
      },
    },
    regenerate: {
      value: async function regenerate() {
        if (sessionId) await store.delete(storeKeyFor(sessionId));
        sessionId = generateSessionId();
        stored = false;
        clearData();
      },
    },
  });
  return session;
}

/** The session a cookie points at, or undefined for anyone anonymous: no cookie, a bad seal, or a session the store no longer has. */
async function load<T>(
  cookie: string | undefined,
  { passwords, ttl, store }: NormalizedSessionOptions,
): Promise<{ sessionId: string; data: T } | undefined> {
  if (!cookie) return undefined;
  const sessionId = await unsealCookie(cookie, passwords, ttl);
  if (!sessionId) return undefined;
  const key = storeKeyFor(sessionId);
  const stored = await store.get(key);
  if (stored === null) return undefined;
  const data = await unsealStoredValue<T>(stored, key, passwords, ttl);
  return data === undefined ? undefined : { sessionId, data };
}
