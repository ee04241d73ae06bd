/**
 * What the fixture app and the bench scripts agree on: cookie names, the session data and the options.
 * The bench passes REDIS_URL and BENCH_SESSION_PASSWORD to `next start`; nothing is read at build time.
 */
import type { SessionOptions } from "@ironlink/session";

export const ironlinkCookieName = "ironlink_bench";
export const ironCookieName = "iron_bench";
export const keyPrefix = "bench:session:";
/** Seconds: the life of both kinds of seal. */
export const ttl = 12 * 3600;
/**
 * A long idle timeout, as the apps have one (they use 30 min). touchInterval stays at its default, 60 s:
 * the bench gives each measured read turn a session younger than that, so no read is due a touch.
 */
export const idleTimeout = 8 * 3600;

export interface User {
  id: string;
  username: string;
}

/** The shape of what the Ironlink apps keep in a session (packages/next/src/session.ts). */
export interface BenchSessionData {
  user: User;
  signedInAt: number;
  signedInOn: string;
  userAgent: string;
  /** Changed by every POST /ironlink-save. */
  lastAction?: number;
}

export function sessionData(user: User): BenchSessionData {
  return {
    user,
    signedInAt: Date.now(),
    signedInOn: "Ironlink Bench",
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
  };
}

export function benchPassword(): string {
  const password = process.env.BENCH_SESSION_PASSWORD;
  if (!password || password.length < 32) throw new Error("BENCH_SESSION_PASSWORD (32+ characters) is not set: run the fixture through `npm run bench`.");
  return password;
}

export function ironlinkOptions(overrides: Partial<SessionOptions> & Pick<SessionOptions, "store">): SessionOptions {
  return {
    password: benchPassword(),
    cookieName: ironlinkCookieName,
    ttl,
    idleTimeout,
    cookieOptions: { secure: false, httpOnly: true, sameSite: "lax", path: "/" },
    userId: (data) => (data as Partial<BenchSessionData>).user?.id,
    ...overrides,
  };
}

/** Every route answers with the same headers, so only the session work differs. */
export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { "Cache-Control": "no-store" } });
}
