import { generateSecret, generateSync, generateURI, verifySync } from "otplib";

/**
 * Two-step verification codes (RFC 6238) by otplib, with the settings every authenticator app knows. otplib's
 * default crypto (@noble/hashes) is synchronous, so these functions are too.
 */
export const totpSettings = { period: 30, digits: 6, algorithm: "sha1", window: 1 /* steps either side */ } as const;

/** Bytes of a new secret: 160 bits, RFC 4226's recommendation for HMAC-SHA1 (32 base32 characters). */
const secretBytes = 20;

const otpOptions = { period: totpSettings.period, digits: totpSettings.digits, algorithm: totpSettings.algorithm } as const;

/** A new random secret, base32 (RFC 4648, no padding) as authenticator apps take it. */
export function newTotpSecret(): string {
  return generateSecret({ length: secretBytes });
}

/**
 * The otpauth://totp/ URI an authenticator app scans (as a QR code). The algorithm, digits and period are
 * always written, though otplib leaves out defaults: an app that assumes other defaults then cannot disagree.
 */
export function totpUri(secret: string, account: string, issuer: string): string {
  const uri = generateURI({ issuer, label: account, secret, ...otpOptions });
  const present = new URLSearchParams(uri.slice(uri.indexOf("?") + 1));
  const explicit = { algorithm: totpSettings.algorithm.toUpperCase(), digits: String(totpSettings.digits), period: String(totpSettings.period) };
  const missing = Object.entries(explicit).filter(([name]) => !present.has(name));
  return missing.length ? `${uri}&${missing.map(([name, value]) => `${name}=${value}`).join("&")}` : uri;
}

/**
 * The time step (floor(epochSeconds / period)) whose code `code` is, within `totpSettings.window` steps either
 * side of `now` (milliseconds, as Date.now()), or undefined. The caller marks the step as used, so a code cannot
 * be replayed while it is still in the window. A code is 6 digits, spaces ignored; anything else (another type,
 * length or character) is undefined, never an error. A malformed `secret` throws: it is stored data, and a
 * broken secret should be loud, not read as wrong codes forever.
 */
export function matchTotp(secret: string, code: unknown, now: number = Date.now()): number | undefined {
  const token = typeof code === "string" && code.length <= 64 ? code.replace(/\s/g, "") : undefined;
  if (token === undefined || !/^\d{6}$/.test(token)) return undefined;
  // otplib checks each step of the window in turn, comparing in constant time, and says which step matched.
  const result = verifySync({ secret, token, epoch: epochSeconds(now), epochTolerance: totpSettings.window * totpSettings.period, ...otpOptions });
  return result.valid && "timeStep" in result ? result.timeStep : undefined; // (the functional API's type also covers HOTP's results)
}

/** The code for `secret` at `now` (milliseconds, as Date.now()). */
export function totpCode(secret: string, now: number = Date.now()): string {
  return generateSync({ secret, epoch: epochSeconds(now), ...otpOptions });
}

const epochSeconds = (milliseconds: number) => Math.floor(milliseconds / 1000);
