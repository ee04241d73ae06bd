import { SessionConfigError } from "./errors";
import type { UnsealErrorReason } from "./iron-seal";
import type { UnsealReport } from "./seal";
import type { SessionStore } from "./stores/session-store";

export type { UnsealErrorReason };

const fourteenDaysInSeconds = 14 * 24 * 3600;
/** The cookie should die a little before its seal does, as in iron-session, so a browser never sends an expired seal. */
const cookieExpiryMarginSeconds = 60;
export const minimumPasswordLength = 32;
/** How often, at most, a read extends the idle window (a Redis write), unless the idle window is shorter. */
const defaultTouchIntervalSeconds = 60;
/** Live sessions a user may hold at once: enough for every device and browser a person uses, not a flood. */
export const defaultMaxSessionsPerUser = 50;

export type Password = string | Record<string | number, string>;

/**
 * The cookie's attributes: every option iron-session passes to the `cookie` package's serialize (all of
 * them but `encode`), with the same meaning.
 */
export interface CookieOptions {
  domain?: string;
  path?: string;
  secure?: boolean;
  httpOnly?: boolean;
  /** `true` is "strict", `false` writes no SameSite attribute. */
  sameSite?: boolean | "lax" | "strict" | "none";
  /**
   * Seconds. Defaults to `ttl - 60`, so the browser drops the cookie a little before its seal expires.
   * Given as `undefined`, the cookie has no Max-Age: a browser-session cookie, gone when the browser closes.
   */
  maxAge?: number;
  expires?: Date;
  priority?: "low" | "medium" | "high";
  partitioned?: boolean;
}

export interface SessionOptions {
  /** At least 32 characters, or a map `{ id: password }` for rotation: the highest id seals, all of them open. */
  password: Password;
  cookieName: string;
  /**
   * Seconds. Each save() seals a new cookie with this lifetime, and the session then lives that long from
   * the save (a rolling session, as in iron-session). Default: 14 days. Unlike iron-session's, it cannot be 0:
   * a session in the store must end.
   */
  ttl?: number;
  cookieOptions?: CookieOptions;
  /** Where session state lives, for example `new RedisStore({ client })`. */
  store: SessionStore;
  /** Seconds without a request after which the session ends (sliding). Default: none. */
  idleTimeout?: number;
  /** Seconds after sign-in (the session's creation) after which it ends, however often it is saved. Default: none. */
  absoluteTimeout?: number;
  /**
   * Seconds between two extensions of the idle window: a read extends it (one Redis write) only when the
   * last extension is older than this. Default: 60, or a fifth of `idleTimeout` if that is shorter.
   */
  touchInterval?: number;
  /**
   * The user a session belongs to, from its data. Enables the per-user index behind `listSessions`,
   * `revokeUserSessions` and sign-out everywhere. Sessions for which it returns undefined are not indexed.
   */
  userId?: (data: Record<string, unknown>) => string | undefined;
  /**
   * Live sessions one user (see `userId`) may hold at once. When a save makes a session a user's and they
   * would hold more, their oldest sessions (by creation, that is sign-in) are ended, and announced like any
   * sign-out. A whole number of at least 1; default 50.
   */
  maxSessionsPerUser?: number;
  /**
   * "migrate", the default: accept a cookie sealed by stateless iron-session (its data in the cookie, same
   * cookie name and password) once, so its user stays signed in; save() moves its data into the store
   * under a new session id and replaces the cookie. "ignore": such a cookie is anonymous.
   */
  legacyCookies?: "migrate" | "ignore";
  /** Milliseconds since the epoch. For tests; default `Date.now()`. */
  clock?: () => number;
  /**
   * iron-session 9's hook: called when the session cookie, or the stored session it points at, is there but
   * cannot be opened, with why: `"expired"` (its seal's time is up), `"invalid"` (tampered with, not a seal,
   * or a genuine seal of something else) or `"unknown-password"` (sealed under a password id the map lacks:
   * usually a rotation mistake). The request is then anonymous either way; this is for logging. A hook that
   * throws is logged, never passed on. A session that ended (signed out, revoked, timed out) is not an
   * unseal error: `sessionInfo(session).state` tells it.
   */
  onUnsealError?: (reason: UnsealErrorReason, error: unknown) => void;
  /**
   * iron-session 9's option to split a large seal across several cookies. Accepted and ignored: the cookie
   * holds only a session id (about 300 characters), whatever the data, so it never needs chunks.
   */
  chunk?: boolean;
}

/** Options once checked and filled in: every field present, passwords as a map. */
export interface NormalizedSessionOptions {
  passwords: Record<string, string>;
  cookieName: string;
  ttl: number;
  /** What the cookie is written with, as iron-session would pass it to the cookie store or serialize. */
  cookieOptions: CookieOptions & Required<Pick<CookieOptions, "path" | "secure" | "httpOnly" | "sameSite">>;
  store: SessionStore;
  /** Milliseconds, like every duration below. */
  absoluteTimeoutMs: number | undefined;
  idleTimeoutMs: number | undefined;
  touchIntervalMs: number;
  userId: (data: Record<string, unknown>) => string | undefined;
  maxSessionsPerUser: number;
  legacyCookies: "migrate" | "ignore";
  clock: () => number;
  /** The `onUnsealError` option, wrapped so that a hook that throws is logged instead. */
  reportUnsealError: UnsealReport;
  /** The options as given: updateConfig() starts from them. */
  given: SessionOptions;
}

/** iron-session's defaults. */
export const defaultCookieOptions = {
  httpOnly: true,
  secure: true,
  sameSite: "lax",
  path: "/",
} as const satisfies CookieOptions;

const cookieNamePattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Checks every option once, so the rest of the code can trust them. The first checks are iron-session's, in
 * its order and with its words, so a migrating app fails as it did.
 */
export function normalizeOptions(options: SessionOptions): NormalizedSessionOptions {
  if (!options || typeof options !== "object") {
    throw new SessionConfigError("ironlink: session options are required: { password, cookieName, store }.");
  }
  if (!options.cookieName) {
    throw new SessionConfigError('ironlink: Bad usage. Missing cookie name. `cookieName` is required, e.g. "my-app-session".');
  }
  const passwords = normalizePasswords(options.password);
  const cookieName = checkCookieName(options.cookieName);
  const ttl = checkTtl(options.ttl);
  const store = checkStore(options.store);
  const cookieOptions = checkedCookieOptions(options.cookieOptions, cookieName, ttl);
  const timeouts = normalizeTimeouts(options);
  checkHooks(options);
  const legacyCookies = options.legacyCookies ?? "migrate";
  if (legacyCookies !== "migrate" && legacyCookies !== "ignore") {
    throw new SessionConfigError('ironlink: `legacyCookies` must be "migrate" or "ignore".');
  }

  return {
    passwords,
    cookieName,
    ttl,
    cookieOptions,
    store,
    ...timeouts,
    userId: options.userId ?? (() => undefined),
    maxSessionsPerUser: maxSessionsPerUserOf(options.maxSessionsPerUser),
    legacyCookies,
    clock: options.clock ?? (() => Date.now()),
    reportUnsealError: unsealReportFor(options.onUnsealError),
    given: options,
  };
}

function checkCookieName(cookieName: string): string {
  if (typeof cookieName !== "string" || !cookieNamePattern.test(cookieName)) {
    throw new SessionConfigError(
      "ironlink: `cookieName` is required and may only hold cookie-name characters (letters, digits, - _ . and the like).",
    );
  }
  return cookieName;
}

function checkTtl(given: number | undefined): number {
  const ttl = given ?? fourteenDaysInSeconds;
  if (!Number.isInteger(ttl) || ttl <= cookieExpiryMarginSeconds) {
    throw new SessionConfigError(
      `ironlink: \`ttl\` must be a whole number of seconds above ${cookieExpiryMarginSeconds}; a Redis-backed session cannot live forever.`,
    );
  }
  return ttl;
}

function checkStore(store: SessionStore | undefined): SessionStore {
  if (!store || typeof store.get !== "function" || typeof store.set !== "function" || typeof store.delete !== "function") {
    throw new SessionConfigError("ironlink: `store` is required, for example `store: new RedisStore({ client })`.");
  }
  return store;
}

/** The cookie options (cookieOptionsFor), refused where a browser would drop the cookie. */
function checkedCookieOptions(given: CookieOptions | undefined, cookieName: string, ttl: number): NormalizedSessionOptions["cookieOptions"] {
  const cookieOptions = cookieOptionsFor(given, ttl);
  if (String(cookieOptions.sameSite).toLowerCase() === "none" && !cookieOptions.secure) {
    throw new SessionConfigError('ironlink: `cookieOptions.sameSite: "none"` needs `secure: true`; browsers drop the cookie otherwise.');
  }
  if (cookieName.startsWith("__Secure-") || cookieName.startsWith("__Host-")) {
    if (!cookieOptions.secure) {
      throw new SessionConfigError(`ironlink: a cookie named "${cookieName}" must be \`secure: true\`.`);
    }
  }
  return cookieOptions;
}

/** The timeouts in milliseconds; touchInterval defaults to a fifth of idleTimeout, at most the default. */
function normalizeTimeouts(options: SessionOptions): Pick<NormalizedSessionOptions, "absoluteTimeoutMs" | "idleTimeoutMs" | "touchIntervalMs"> {
  const absoluteTimeout = seconds(options.absoluteTimeout, "absoluteTimeout");
  const idleTimeout = seconds(options.idleTimeout, "idleTimeout");
  const touchInterval =
    seconds(options.touchInterval, "touchInterval") ??
    Math.min(defaultTouchIntervalSeconds, idleTimeout === undefined ? defaultTouchIntervalSeconds : idleTimeout / 5);
  if (idleTimeout !== undefined && touchInterval >= idleTimeout) {
    throw new SessionConfigError("ironlink: `touchInterval` must be shorter than `idleTimeout`, or an active session could time out.");
  }
  return {
    absoluteTimeoutMs: absoluteTimeout === undefined ? undefined : absoluteTimeout * 1000,
    idleTimeoutMs: idleTimeout === undefined ? undefined : idleTimeout * 1000,
    touchIntervalMs: touchInterval * 1000,
  };
}

function checkHooks(options: SessionOptions): void {
  if (options.onUnsealError !== undefined && typeof options.onUnsealError !== "function") {
    throw new SessionConfigError("ironlink: `onUnsealError` must be a function, e.g. `(reason, error) => logger.warn({ reason, error })`.");
  }
  if (options.userId !== undefined && typeof options.userId !== "function") {
    throw new SessionConfigError("ironlink: `userId` must be a function returning the user id from the session data, e.g. `(data) => data.user?.id`.");
  }
}

/**
 * iron-session's cookie options: its defaults, then the app's, then Max-Age `ttl - 60` unless the app gave
 * `maxAge` (a `maxAge: undefined` it gave makes a browser-session cookie). Unlike iron-session, another field
 * given as undefined keeps its default rather than dropping the attribute (HttpOnly and Secure included).
 */
function cookieOptionsFor(given: CookieOptions | undefined, ttl: number): NormalizedSessionOptions["cookieOptions"] {
  const cookieOptions: NormalizedSessionOptions["cookieOptions"] = { ...defaultCookieOptions, ...stripUndefined(given ?? {}) };
  if (!given || !("maxAge" in given)) cookieOptions.maxAge = ttl - cookieExpiryMarginSeconds;
  return cookieOptions;
}

/**
 * The options a session continues with after `updateConfig(next)`. As in iron-session 9, the whole
 * configuration is rebuilt from `next`, the password included (so a password given here is the one the next
 * save seals with); defaults for what it leaves out. The store stays (the session lives in it). A password
 * that fails the checks is ignored with a warning, as iron-session 8 ignored every password given here
 * (iron-session 9 throws): the session goes on sealing with the valid one it had.
 */
export function updatedOptions(current: NormalizedSessionOptions, next: SessionConfigUpdate): NormalizedSessionOptions {
  const given = current.given;
  const rebuilt = { ...given, ttl: undefined, cookieOptions: undefined, onUnsealError: undefined, ...next, store: given.store };
  try {
    normalizePasswords(next.password);
  } catch (error) {
    console.warn(`ironlink: updateConfig() kept the session's password: the one given is not usable (${(error as Error).message})`);
    rebuilt.password = given.password;
  }
  return normalizeOptions(rebuilt);
}

/** The hook, made safe: a hook that throws must not turn a request with a bad cookie into a 500. */
function unsealReportFor(hook: SessionOptions["onUnsealError"]): UnsealReport {
  if (!hook) return () => undefined;
  return (reason, error) => {
    try {
      hook(reason, error);
    } catch (thrown) {
      console.error("ironlink: the onUnsealError hook threw; it must not. The request goes on without a session.", thrown);
    }
  };
}

/** What updateConfig takes: iron-session's SessionOptions; a `store` may be given but is not changed. */
export type SessionConfigUpdate = Omit<SessionOptions, "store"> & { store?: SessionStore };

function maxSessionsPerUserOf(value: number | undefined): number {
  if (value === undefined) return defaultMaxSessionsPerUser;
  if (!Number.isInteger(value) || value < 1) {
    throw new SessionConfigError(`ironlink: \`maxSessionsPerUser\` must be a whole number of at least 1 (got ${String(value)}).`);
  }
  return value;
}

function seconds(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new SessionConfigError(`ironlink: \`${name}\` must be a positive number of seconds (got ${String(value)}).`);
  }
  return value;
}

/** A password or rotation map as the seals use it: `{ id: secret }`, every secret long enough, every id a whole number. */
export function normalizePasswords(password: Password): Record<string, string> {
  const map: Record<string, string> =
    typeof password === "string" ? { 1: password } : password && typeof password === "object" ? { ...password } : {};
  const ids = Object.keys(map);
  if (!password || ids.length === 0) {
    throw new SessionConfigError(
      `ironlink: Bad usage. Missing password. \`password\` is required: a secret of at least ${minimumPasswordLength} characters (generate one with \`openssl rand -base64 32\`).`,
    );
  }
  for (const id of ids) {
    const secret = map[id];
    if (typeof secret !== "string" || secret.length < minimumPasswordLength) {
      throw new SessionConfigError(
        `ironlink: Bad usage. Password must be at least ${minimumPasswordLength} characters long` +
          (typeof password === "string" ? "" : ` (password id ${id} is not)`) +
          "; generate one with `openssl rand -base64 32`.",
      );
    }
  }
  for (const id of ids) {
    if (!/^(0|[1-9]\d*)$/.test(id)) {
      throw new SessionConfigError(
        `ironlink: password ids must be whole numbers without leading zeros (got "${id}"); the highest id seals new sessions.`,
      );
    }
  }
  return map;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
