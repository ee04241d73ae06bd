import { createHash, randomBytes } from "node:crypto";

/** 256 bits from the CSPRNG, base64url: the only thing the cookie carries. */
export function generateSessionId(): string {
  return randomBytes(32).toString("base64url");
}

/** 32 bytes in unpadded base64url: the shape of a session id, and of every name hashedName makes. */
const thirtyTwoBytesBase64url = /^[A-Za-z0-9_-]{43}$/;

export function isSessionId(value: unknown): value is string {
  return typeof value === "string" && thirtyTwoBytesBase64url.test(value);
}

/**
 * Whether a value has the shape of a store key. Checked wherever a key comes from outside (a publicId from
 * a form, a file name), so that no other string can name a Redis key or a path.
 */
export function isStoreKey(value: unknown): value is string {
  return typeof value === "string" && thirtyTwoBytesBase64url.test(value);
}

/**
 * SHA-256, base64url: how a secret or an outside value becomes a name in a store (a session id its key, a
 * legacy seal its claim, a user id its index file), so the store never holds the value itself.
 */
export function hashedName(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

/** The store key is a hash of the id, so a dump of the store cannot be replayed as cookies. */
export function storeKeyFor(sessionId: string): string {
  return hashedName(sessionId);
}
