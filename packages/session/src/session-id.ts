import { createHash, randomBytes } from "node:crypto";

/** 256 bits from the CSPRNG, base64url: the only thing the cookie carries. */
export function generateSessionId(): string {
  return randomBytes(32).toString("base64url");
}

const sessionIdPattern = /^[A-Za-z0-9_-]{43}$/;

export function isSessionId(value: unknown): value is string {
  return typeof value === "string" && sessionIdPattern.test(value);
}

/**
 * The store key is a SHA-256 of the id, so a dump of the store cannot be replayed as cookies.
 */
export function storeKeyFor(sessionId: string): string {
  return createHash("sha256").update(sessionId).digest("base64url");
}
