import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { NormalizedSessionOptions } from "../options";
import { sealCookie, sealData, unsealData } from "../seal";
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

export interface Handoff {
  /** A code for `session` (signed in), redeemable once at `origin` by the browser holding the challenge's verifier. */
  issue(session: object, binding: { origin: string; challenge: string }): Promise<string>;
  /**
   * The cookie that opens the same session at `origin`, or undefined for a code that is unknown, used, expired,
   * issued for another origin or redeemed without its verifier, or whose session has ended.
   */
  redeem(input: { code: string; origin: string; verifier: string | undefined }): Promise<string | undefined>;
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
    async redeem({ code, origin, verifier }) {
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
      if ((await store.get(storeKeyFor(record.sessionId))) === null) return undefined;
      return sealCookie(record.sessionId, password, options.ttl);
    },
  };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
