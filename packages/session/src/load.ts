import { expiryOf } from "./lifetime";
import type { NormalizedSessionOptions } from "./options";
import { canonicalSeal, openCookie, sealOpensUntil, sealStoredValue, type StoredValue, unsealStoredValue } from "./seal";
import { hashedName, storeKeyFor } from "./session-id";

/** A stored session as this request last saw it: the value its compare-and-set expects, and what it opens to. */
export interface StoredSession<T = Record<string, unknown>> {
  raw: string;
  record: StoredValue<T>;
}

/** A stateless iron-session cookie, opened: its data, and the one-time claim that migrates it. */
export interface LegacyCookie<T> {
  data: T;
  claimKey: string;
  /** When the legacy cookie stops opening, so the claim must last at least as long (undefined: never, a ttl-0 seal). */
  claimUntil: number | undefined;
}

/** What the request's session cookies point at. */
export type Loaded<T> =
  | { state: "anonymous" }
  | { state: "expired" }
  | { state: "active"; sessionId: string; stored: StoredSession<T> }
  | { state: "legacy"; legacy: LegacyCookie<T> };

/**
 * What the request's session cookies point at. There is usually one. When the Cookie header holds several
 * values of the name (one planted from another port of the host or a sibling subdomain is sent along with
 * ours), each is opened and the request is in a session only if exactly one session is live: with two, it
 * would be the victim's or the planter's, and nothing tells which, so it is neither. Whatever the request
 * then writes (save, destroy) goes out as for any anonymous session, replacing our cookie.
 */
export async function loadSession<T>(cookies: string[], options: NormalizedSessionOptions): Promise<Loaded<T>> {
  const distinct = [...new Set(cookies)];
  if (distinct.length <= 1) return loadOne(distinct[0], options);
  const candidates = await Promise.all(distinct.map((cookie) => loadOne<T>(cookie, options)));
  const live = candidates.filter((candidate) => candidate.state === "active" || candidate.state === "legacy");
  // Seals of one session are that session, not two: a save during this request sealed it anew (a server
  // action's, read again by the page rendered after it), and the newer seal comes first.
  const sessions = new Set(live.map((candidate) => (candidate.state === "active" ? candidate.sessionId : candidate)));
  if (sessions.size > 1) return { state: "anonymous" };
  // The one live cookie; with none, as for the first (expired, say, rather than anonymous, when it was ours).
  return live[0] ?? candidates[0] ?? { state: "anonymous" };
}

/** What one cookie points at. A read is one store command, plus one write when the idle window is due an extension. */
async function loadOne<T>(cookie: string | undefined, options: NormalizedSessionOptions): Promise<Loaded<T>> {
  const { passwords, ttl, store, clock, userId: userIdOf } = options;
  if (!cookie) return { state: "anonymous" };
  const content = await openCookie(cookie, passwords, options.reportUnsealError);
  if (!content) return { state: "anonymous" };

  if ("legacyData" in content) {
    if (options.legacyCookies !== "migrate") return { state: "anonymous" };
    // Keyed on the seal, not on the string it came in, so that no other spelling of it migrates again.
    const claimKey = `legacy:${hashedName(canonicalSeal(cookie))}`;
    if (await store.isClaimed(claimKey)) return { state: "expired" };
    // The claim must last as long as the legacy cookie opens, or it could be migrated again once the claim expires.
    return { state: "legacy", legacy: { data: content.legacyData as T, claimKey, claimUntil: sealOpensUntil(cookie) } };
  }

  const key = storeKeyFor(content.sessionId);
  const raw = await store.get(key);
  if (raw === null) return { state: "expired" };
  const record = await unsealStoredValue<T>(raw, key, passwords, options.reportUnsealError);
  if (!record) return { state: "anonymous" };

  const now = clock();
  const userId = userIdOf(record.data as Record<string, unknown>);
  if (expiryOf(record, options) <= now) {
    // Timed out: the store's own expiry may lag a clock, so remove it now.
    await store.delete(key, userId);
    return { state: "expired" };
  }
  if (now - record.touchedAt >= options.touchIntervalMs) {
    // Extend the idle window, as a compare-and-set: a save that landed meanwhile extended it already and
    // must not be overwritten with this older data.
    const touched = { ...record, touchedAt: now };
    const sealed = await sealStoredValue(touched, passwords, ttl);
    const result = await store.set(key, sealed, { mode: "update", expected: raw, expiresAt: expiryOf(touched, options), now, userId });
    if (result.status === "gone") return { state: "expired" };
    if (result.status === "written") return { state: "active", sessionId: content.sessionId, stored: { raw: sealed, record: touched } };
  }
  return { state: "active", sessionId: content.sessionId, stored: { raw, record } };
}
