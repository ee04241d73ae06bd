import { sealData, unsealData } from "iron-session";
import { isSessionId } from "./session-id";

/**
 * Both seals are iron-session's own Fe26.2 seals, so iron-session's `unsealData` opens them:
 * - the cookie seals `{ sid }`, the session id and nothing else;
 * - the stored value seals `{ key, data }`: the data, bound to the store key it was written under,
 *   so a value copied to another key opens to no session.
 */
type Passwords = Record<string, string>;

export interface CookiePayload {
  sid: string;
}

export interface StoredValue<T> {
  key: string;
  data: T;
}

/** Browsers keep cookies up to about 4 kB, so a longer one is forged: not worth unsealing. Stored values have no such cap. */
const maxCookieLength = 4096;

export function sealCookie(sessionId: string, passwords: Passwords, ttl: number): Promise<string> {
  return sealData({ sid: sessionId } satisfies CookiePayload, { password: passwords, ttl });
}

/** The session id in a cookie seal, or undefined when the seal is forged, tampered with, expired or not ours. */
export async function unsealCookie(seal: string, passwords: Passwords, ttl: number): Promise<string | undefined> {
  if (typeof seal !== "string" || seal.length > maxCookieLength) return undefined;
  const payload = await safeUnseal<Partial<CookiePayload>>(seal, passwords, ttl);
  return isSessionId(payload?.sid) ? payload.sid : undefined;
}

export function sealStoredValue<T>(key: string, data: T, passwords: Passwords, ttl: number): Promise<string> {
  return sealData({ key, data } satisfies StoredValue<T>, { password: passwords, ttl });
}

/** The data in a stored seal, or undefined when it does not open or was written for another key. */
export async function unsealStoredValue<T>(seal: string, key: string, passwords: Passwords, ttl: number): Promise<T | undefined> {
  const value = await safeUnseal<Partial<StoredValue<T>>>(seal, passwords, ttl);
  if (!value || value.key !== key || typeof value.data !== "object" || value.data === null) return undefined;
  return value.data;
}

/** iron-session answers `{}` for a bad HMAC or an expired seal but throws on malformed input: both mean "no session". */
async function safeUnseal<T>(seal: string, passwords: Passwords, ttl: number): Promise<T | undefined> {
  if (typeof seal !== "string" || seal.length === 0) return undefined;
  try {
    return await unsealData<T>(seal, { password: passwords, ttl });
  } catch {
    return undefined;
  }
}
