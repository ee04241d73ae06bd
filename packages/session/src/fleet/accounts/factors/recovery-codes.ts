import { createHash, randomInt } from "node:crypto";
import { factorLimits } from "./types";

/**
 * Recovery codes: one-time codes a person keeps on paper for when the authenticator is lost. Only their hashes
 * are stored. A fast hash (SHA-256) is right here, unlike for passwords: each code is 50 bits of crypto
 * randomness, too many to guess by trying hashes, and the sign-in attempts are rate limited besides.
 */

/** Crockford's base32: digits and lower-case letters without i, l, o and u, so no two characters look alike. */
const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
/** Characters of a code: 10 × 5 bits = 50 bits. */
const codeLength = 10;
const codePattern = /^[0-9abcdefghjkmnpqrstvwxyz]{10}$/;

/** factorLimits.recoveryCodes new codes like "k7m2q-x9d4t", all different, and their hashes to store (same order). */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = new Set<string>();
  while (codes.size < factorLimits.recoveryCodes) codes.add(newCode());
  const list = [...codes].map((code) => `${code.slice(0, codeLength / 2)}-${code.slice(codeLength / 2)}`);
  return { codes: list, hashes: list.map((code) => hashRecoveryCode(code) as string) };
}

/**
 * The SHA-256 (base64url) of a code as typed: case, spaces and dashes are ignored, and o, i and l read as 0, 1
 * and 1 (they never appear in a code; Crockford's rule for what people misread). Undefined for input that
 * cannot be a code.
 */
export function hashRecoveryCode(code: unknown): string | undefined {
  if (typeof code !== "string" || code.length > 64) return undefined;
  const normalised = code
    .toLowerCase()
    .replace(/[\s\-\u2010-\u2015]/g, "") // spaces, and the dashes a phone's keyboard may substitute
    .replace(/o/g, "0")
    .replace(/[il]/g, "1");
  return codePattern.test(normalised) ? createHash("sha256").update(normalised).digest("base64url") : undefined;
}

function newCode(): string {
  let code = "";
  for (let i = 0; i < codeLength; i++) code += alphabet[randomInt(alphabet.length)];
  return code;
}
