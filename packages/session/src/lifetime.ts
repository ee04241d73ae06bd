import type { NormalizedSessionOptions } from "./options";
import { ironClockSkewMs, type StoredValue } from "./seal";

/**
 * When a session ends: when the cookie of its last save stops opening (a rolling session, as in
 * iron-session), or earlier at its idle or absolute limit. The store's own expiry is set to this too.
 */
export function expiryOf(record: StoredValue<unknown>, options: NormalizedSessionOptions): number {
  let expiry = record.cookieOpensUntil ?? record.createdAt + options.ttl * 1000;
  if (options.absoluteTimeoutMs !== undefined) expiry = Math.min(expiry, record.createdAt + options.absoluteTimeoutMs);
  if (options.idleTimeoutMs !== undefined) expiry = Math.min(expiry, record.touchedAt + options.idleTimeoutMs);
  return expiry;
}

/** Until when a cookie sealed at `now` opens: iron seals it for `ttl` and opens it for its clock skew longer. */
export function cookieOpensUntilAfterSave(now: number, options: NormalizedSessionOptions): number {
  return now + options.ttl * 1000 + ironClockSkewMs;
}
