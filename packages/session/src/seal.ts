import { createHash } from "node:crypto";
import { sealData as ironSealData, unsealData as ironUnsealData } from "iron-session";
import { openIron, opensV1Form, sealIron, type UnsealErrorReason } from "./iron-seal";
import type { Password } from "./options";
import { isSessionId } from "./session-id";

/**
 * Both seals are iron-session's own Fe26.2 seals, so iron-session's `unsealData` opens them:
 * - the cookie seals `{ sid }`, the session id and nothing else;
 * - the stored value seals `{ key, data, createdAt, touchedAt, cookieOpensUntil }`: the data, bound to the
 *   store key it was written under (a value copied to another key opens to no session), and its timestamps.
 */
type Passwords = Record<string, string>;

/** Told why a seal (a cookie, or a stored value) did not open: the `onUnsealError` option, made safe to call. */
export type UnsealReport = (reason: UnsealErrorReason, error: Error) => void;
const notReported: UnsealReport = () => undefined;

export interface CookiePayload {
  sid: string;
}

export interface StoredValue<T> {
  key: string;
  data: T;
  /** Epoch ms of the session's creation (sign-in): the absolute timeout counts from here. */
  createdAt: number;
  /** Epoch ms of the last extension of the idle window: "last seen", to `touchInterval` precision. */
  touchedAt: number;
  /**
   * Epoch ms until which the cookie sent by the last save opens (`ttl` after that save, plus iron's clock
   * skew): the session lives as long as its cookie, and each save renews both. Values written before it
   * existed lack it; they end `ttl` after their creation, as they did then.
   */
  cookieOpensUntil?: number;
}

/** What a cookie turned out to hold. */
export type CookieContent = { sessionId: string } | { legacyData: Record<string, unknown> };

/** Browsers keep cookies up to about 4 kB, so a longer one is forged: not worth unsealing. Stored values have no such cap. */
const maxCookieLength = 4096;
/** What iron-session appends to iron's token: its version delimiter and the one version it writes. */
const versionSuffix = "~2";
/**
 * The forms of a seal iron-session writes: iron's Fe26.2 token (eight `*`-separated parts, all in base64url's
 * alphabet, which covers iron's hex salts, decimal expiration and `\w+` password ids) followed by "~2", and,
 * with iron-session 8 as the peer, the token alone (its older v1 format, which 8's unsealData still opens; 9
 * dropped it, see opensV1Form). iron-session reads the version with parseInt and ignores any further "~" part,
 * so `~02`, `~+2`, `~2junk` open like "~2" and any other version (`~3`, `~`) like the token alone: each would
 * be a new string, and so a new legacy claim and a new cache entry, for the same seal. Only these forms open.
 *
 * Nothing else in the token can be respelled: iron's HMAC covers parts 0 to 5, part 6 is the HMAC's salt
 * (another salt derives another key) and part 7, the HMAC, is compared to the expected one as a whole string.
 */
const sealForms = opensV1Form ? /^Fe26\.2(?:\*[\w-]*){7}(?:~2)?$/ : /^Fe26\.2(?:\*[\w-]*){7}~2$/;
/** How long past its expiration field iron still opens a seal: its default clock skew, which iron-session keeps. */
export const ironClockSkewMs = 60_000;

export async function sealCookie(sessionId: string, passwords: Passwords, ttl: number): Promise<string> {
  const payload: CookiePayload = { sid: sessionId };
  return rememberSeal(sealIron(payload, passwords, ttl), payload, passwords);
}

/**
 * What a genuine seal holds: our session id, or, for a seal without one, the data a stateless
 * iron-session app put in its cookie. Undefined for anything forged, tampered with, expired or empty.
 */
export async function openCookie(seal: string, passwords: Passwords, report: UnsealReport = notReported): Promise<CookieContent | undefined> {
  if (typeof seal !== "string" || seal.length > maxCookieLength) {
    report("invalid", new Error(`ironlink: the session cookie is longer than ${maxCookieLength} characters: not a seal this library wrote.`));
    return undefined;
  }
  const payload = await safeUnseal<Record<string, unknown>>(seal, passwords, report);
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return undefined;
  const notACookie = () => report("invalid", new Error("ironlink: the session cookie is a genuine seal, but not of a session cookie."));
  if ("sid" in payload) {
    if (isSessionId(payload.sid) && Object.keys(payload).length === 1) return { sessionId: payload.sid };
    return void notACookie();
  }
  // A stored value (a Redis dump) is a genuine seal without sid too: it must never pass for a cookie.
  if ("key" in payload && "data" in payload && "createdAt" in payload) return void notACookie();
  return Object.keys(payload).length > 0 ? { legacyData: payload } : undefined;
}

/**
 * When a genuine seal stops opening, in epoch ms: iron's expiration field plus the clock skew iron allows.
 * Undefined for a seal made with ttl 0, which never expires.
 */
export function sealOpensUntil(seal: string): number | undefined {
  const expiration = expirationOf(seal);
  return expiration === undefined ? undefined : expiration + ironClockSkewMs;
}

/**
 * One name for a seal that opened, whichever of its two forms it came in: the form iron-session writes
 * today (`<token>~2`). The v1 form opens to other data than the same token with "~2", but it is the same
 * seal, and must not count as another cookie. A cookie in that form already is its own name, so claims
 * recorded under sha256(cookie) before this existed still match.
 */
export function canonicalSeal(seal: string): string {
  return seal.endsWith(versionSuffix) ? seal : `${seal}${versionSuffix}`;
}

/** iron's expiration field (part 5), epoch ms; undefined when the seal has none (ttl 0). */
function expirationOf(seal: string): number | undefined {
  const expiration = seal.split("*")[5];
  return expiration && /^\d+$/.test(expiration) ? Number(expiration) : undefined;
}

export async function sealStoredValue<T>(value: StoredValue<T>, passwords: Passwords, ttl: number): Promise<string> {
  return rememberSeal(sealIron(value, passwords, ttl), value, passwords);
}

/** A stored seal, or undefined when it does not open or was written for another key. */
export async function unsealStoredValue<T>(
  seal: string,
  key: string,
  passwords: Passwords,
  report: UnsealReport = notReported,
): Promise<StoredValue<T> | undefined> {
  const value = await safeUnseal<Partial<StoredValue<T>>>(seal, passwords, report);
  if (value === undefined) return undefined;
  if (isStoredValueFor(value, key)) return value;
  report("invalid", new Error("ironlink: the stored session is a genuine seal, but not of a session stored under its key."));
  return undefined;
}

function isStoredValueFor<T>(value: Partial<StoredValue<T>>, key: string): value is StoredValue<T> {
  if (!value || value.key !== key || typeof value.data !== "object" || value.data === null) return false;
  if (typeof value.createdAt !== "number" || typeof value.touchedAt !== "number") return false;
  return value.cookieOpensUntil === undefined || typeof value.cookieOpensUntil === "number";
}

/**
 * iron-session's unsealData (iron-seal.ts), behind a cache of verified seals. Unsealing (PBKDF2 key derivation, HMAC,
 * AES) is the costly part of a read, and most requests carry the same cookie and read the same stored
 * value as the last one. An entry is keyed by the exact seal string (a tampered seal is another string,
 * and still goes through full verification), holds the opened content as JSON (each hit gets a fresh
 * copy, so nobody can alter the cache through a session object), and is dropped once the seal's own
 * expiration passes. Revocation is unaffected: the store is still read on every request.
 *
 * The seals this process makes go in too (it knows what they hold), so the read after a sign-in, a save or
 * an idle extension is warm as well. Least recently used entries go first. The caches are per set of
 * passwords, found by content: options made afresh on every request share one.
 */
const cacheLimit = 10_000;
type SealCache = Map<string, { json: string; expiresAt: number }>;
const verifiedSeals = new WeakMap<Passwords, SealCache>();
const cachesByPasswords = new Map<string, SealCache>();
/** Sets of passwords a process goes through (rotations): a handful at most; beyond this, the oldest cache goes. */
const passwordSetLimit = 8;

function cacheFor(passwords: Passwords): SealCache {
  let cache = verifiedSeals.get(passwords);
  if (cache) return cache;
  const fingerprint = createHash("sha256").update(JSON.stringify(passwords)).digest("base64url");
  cache = cachesByPasswords.get(fingerprint);
  if (!cache) {
    if (cachesByPasswords.size >= passwordSetLimit) cachesByPasswords.delete(cachesByPasswords.keys().next().value as string);
    cache = new Map();
    cachesByPasswords.set(fingerprint, cache);
  }
  verifiedSeals.set(passwords, cache);
  return cache;
}

/** Caches what a seal opens to, until the seal's own expiration (a seal without one, ttl 0, is not cached). */
function remember(cache: SealCache, seal: string, value: unknown): void {
  const expiration = expirationOf(seal);
  if (expiration === undefined || expiration <= Date.now()) return;
  if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value as string); // the least recently used
  cache.set(seal, { json: JSON.stringify(value), expiresAt: expiration });
}

/** A seal this process just made opens to exactly `value` (iron seals JSON.stringify(value)): no need to verify it later. */
function rememberSeal(seal: string, value: unknown, passwords: Passwords): string {
  remember(cacheFor(passwords), seal, value);
  return seal;
}

/**
 * A seal's content, or undefined when it does not open (forged, tampered with, expired, under an unknown
 * password, or malformed), with the reason reported. A string in neither of the forms iron-session writes
 * is not opened at all (see sealForms).
 */
async function safeUnseal<T>(seal: string, passwords: Passwords, report: UnsealReport = notReported): Promise<T | undefined> {
  if (typeof seal !== "string" || !sealForms.test(seal)) {
    report("invalid", new Error("ironlink: not a seal: neither of the forms iron-session writes."));
    return undefined;
  }
  const cache = cacheFor(passwords);
  const hit = cache.get(seal);
  if (hit) {
    cache.delete(seal);
    if (Date.now() < hit.expiresAt) {
      cache.set(seal, hit); // now the most recently used
      return JSON.parse(hit.json) as T;
    }
  }
  const opened = openIron(seal, passwords);
  if (!("value" in opened)) {
    report(opened.reason, opened.error);
    return undefined;
  }
  const value = opened.value as T;
  if (value && typeof value === "object" && Object.keys(value).length > 0) remember(cache, seal, value);
  return value;
}

/**
 * iron-session's own `sealData` and `unsealData`, for apps that seal things of their own (a drop-in keeps
 * them). Typed here, so the package's types do not load iron-session's, which need `@types/cookie`.
 */
export const sealData: (data: unknown, options: { password: Password; ttl?: number }) => Promise<string> = ironSealData;
export const unsealData: <T = Record<string, unknown>>(seal: string, options: { password: Password; ttl?: number }) => Promise<T> = ironUnsealData;
