import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { cookieHeaderValues } from "../cookies";
import { loadSession } from "../load";
import type { NormalizedSessionOptions } from "../options";
import { sealCookie, sealData, unsealData, unsealStoredValue } from "../seal";
import { activeSessionIdOf } from "../session";
import { hashedName, storeKeyFor } from "../session-id";
import type { SessionStore } from "../stores/session-store";

/**
 * One-time sign-in codes, for apps the sign-in app's cookie cannot reach (another site). The sign-in app
 * issues a code for the person's session, bound to the origin it is for and to the browser that asked (the
 * challenge of a verifier only that browser's cookie holds, as in PKCE); the other app redeems it through
 * the shared store and writes its own cookie for the same session. One session, several cookies: ending it
 * anywhere ends it everywhere.
 *
 * - 256 random bits; the store keeps only the code's SHA-256, and a value sealed with the fleet's password.
 * - Redeemed once: the store's take is atomic (GETDEL; a rename in the file store).
 * - Alive at most `codeLifetimeMs`, bound to one origin and one challenge.
 * - Never over a live session of another user: a browser signed in at the satellite keeps its account.
 */
export const codeLifetimeMs = 60_000;

/** Where codes wait: written once, taken once. */
export interface CodeStore {
  put(name: string, value: string, ttlMs: number): Promise<void>;
  /** The value, removed in the same step; null if it was never there, already taken or expired. */
  take(name: string): Promise<string | null>;
}

interface CodeRecord {
  sessionId: string;
  origin: string;
  challenge: string;
  expiresAt: number;
}

/** A verifier for the browser's cookie, and the challenge the sign-in app is shown. */
export function newVerifier(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: challengeOf(verifier) };
}

export function challengeOf(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

const codeShape = /^[A-Za-z0-9_-]{43}$/;

/** A code that opened something: the cookie for its session, or a refusal to replace another user's session. */
export type Redeemed = { kind: "signed-in"; sessionCookie: string } | { kind: "other-user" };

export interface Handoff {
  /** A code for `session` (signed in), redeemable once at `origin` by the browser holding the challenge's verifier. */
  issue(session: object, binding: { origin: string; challenge: string }): Promise<string>;
  /**
   * The cookie that opens the same session at `origin`, or undefined for a code that is unknown, used, expired,
   * issued for another origin or redeemed without its verifier, or whose session has ended. With `cookieHeader`
   * (what the browser sent to `origin`): "other-user" when its own cookie there opens a live session of
   * another user, which a code never replaces. Every attempt spends the code.
   */
  redeem(input: { code: string; origin: string; verifier: string | undefined; cookieHeader?: string }): Promise<Redeemed | undefined>;
}

export function createHandoff(options: NormalizedSessionOptions, store: SessionStore, codes: CodeStore, now = Date.now): Handoff {
  const password = options.passwords;
  return {
    async issue(session, { origin, challenge }) {
      const sessionId = activeSessionIdOf(session);
      if (!sessionId) throw new TypeError("ironlink: a sign-in code needs a signed-in session (save() it first).");
      const code = randomBytes(32).toString("base64url");
      const record: CodeRecord = { sessionId, origin, challenge, expiresAt: now() + codeLifetimeMs };
      await codes.put(hashedName(code), await sealData(record, { password, ttl: codeLifetimeMs / 1000 + 60 }), codeLifetimeMs);
      return code;
    },
    async redeem({ code, origin, verifier, cookieHeader }) {
      if (!codeShape.test(code) || verifier === undefined) {
        // A code without its verifier is spent all the same: whoever else holds it gets nothing either.
        if (codeShape.test(code)) await codes.take(hashedName(code));
        return undefined;
      }
      const sealed = await codes.take(hashedName(code));
      if (sealed === null) return undefined;
      const record = await unsealData<Partial<CodeRecord>>(sealed, { password, ttl: codeLifetimeMs / 1000 + 60 }).catch(() => ({}) as Partial<CodeRecord>);
      if (typeof record.sessionId !== "string" || record.origin !== origin || typeof record.challenge !== "string") return undefined;
      if (typeof record.expiresAt !== "number" || record.expiresAt < now() || !sameText(challengeOf(verifier), record.challenge)) return undefined;
      const key = storeKeyFor(record.sessionId);
      const raw = await store.get(key);
      if (raw === null) return undefined;
      const stored = await unsealStoredValue<Record<string, unknown>>(raw, key, password);
      if (await signedInAsSomeoneElse(options, cookieHeader, stored ? options.userId(stored.data) : undefined)) return { kind: "other-user" };
      return { kind: "signed-in", sessionCookie: await sealCookie(record.sessionId, password, options.ttl) };
    },
  };
}

/**
 * Whether the browser's own session cookie at the satellite opens a live session of a user other than
 * `userId`: then a code must not switch its account (a planted code would sign the person into the
 * attacker's). A session without a user (nobody signed in yet) is no one's: signing in replaces it.
 */
async function signedInAsSomeoneElse(options: NormalizedSessionOptions, cookieHeader: string | undefined, userId: string | undefined): Promise<boolean> {
  if (!cookieHeader) return false;
  const loaded = await loadSession<Record<string, unknown>>(cookieHeaderValues(cookieHeader, options.cookieName), options);
  const data = loaded.state === "active" ? loaded.stored.record.data : loaded.state === "legacy" ? loaded.legacy.data : undefined;
  const current = data ? options.userId(data) : undefined;
  return current !== undefined && current !== userId;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
