import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import * as ironSession from "iron-session";

/**
 * iron-session's `sealData` and `unsealData`, written with node:crypto's synchronous primitives: iron's Fe26.2 token
 * (iron-webcrypto's defaults: AES-256-CBC and HMAC-SHA256, each key from PBKDF2-SHA1 with one iteration
 * over a fresh 256-bit hex salt, a 128-bit IV, base64url without padding) followed by iron-session's "~2",
 * sealed with the newest password of the map under its id. Each opens what the other seals (the tests hold
 * both to that, both ways). Why not call iron-session: WebCrypto makes each seal or unseal eight trips
 * through libuv's pool and back to the event loop, and on a server busy with reads every trip waits behind
 * them (a sign-in's two seals took ~200 ms of its time under load); here one is some 50 µs of CPU, no trip.
 */
export function sealIron(data: unknown, passwords: Record<string, string>, ttlSeconds: number): string {
  // As iron-session picks it: the highest numeric id of the map.
  const id = String(Math.max(...Object.keys(passwords).map(Number)));
  const secret = passwords[id] as string;
  const encryptionSalt = newSalt();
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-cbc", derivedKey(secret, encryptionSalt), iv);
  const encrypted = Buffer.concat([cipher.update(JSON.stringify(data), "utf8"), cipher.final()]);
  // ttl 0: no expiration, as in iron.
  const expiration = ttlSeconds ? String(Date.now() + ttlSeconds * 1000) : "";
  const macBase = ["Fe26.2", id, encryptionSalt, iv.toString("base64url"), encrypted.toString("base64url"), expiration].join("*");
  const macSalt = newSalt();
  const mac = createHmac("sha256", derivedKey(secret, macSalt)).update(macBase).digest("base64url");
  return `${macBase}*${macSalt}*${mac}~2`;
}

/**
 * Whether the installed iron-session reads a token without "~2" as its v6-era form (the data's `persistent`
 * part), as 8 does. 9 dropped that form: the marker sits outside the HMAC, so it must not choose what a seal
 * opens to, and 9 ignores it. The peer decides, so a seal opens here exactly as the app's own unsealData opens
 * it; 9 is told apart by the cookie jars it added to its exports.
 */
export const opensV1Form = !("webCookies" in ironSession);

/** iron's allowance for clocks that disagree: a seal still opens this long past its expiration. */
const clockSkewMs = 60_000;

/** Why a seal did not open: iron-session 9's reasons, for its `onUnsealError(reason, error)`. */
export type UnsealErrorReason = "expired" | "invalid" | "unknown-password";

/** A seal opened, or why not; `malformed` marks the failures iron-session 8's unsealData throws for (the rest answer `{}`). */
export type IronOpened = { value: unknown } | { reason: UnsealErrorReason; error: Error; malformed?: true };

/**
 * What iron-session's `unsealData` answers for a seal: its data (with iron-session 8, for its older v1 form,
 * without "~2", the data's `persistent` part), `{}` for a bad HMAC, an expired seal or an unknown password id. Other
 * malformed input throws, as iron-session's does.
 */
export function unsealIron(seal: string, passwords: Record<string, string>): unknown {
  const opened = openIron(seal, passwords);
  if ("value" in opened) return opened.value;
  if (opened.malformed) throw opened.error;
  return {};
}

/** unsealIron's work, telling why a seal did not open (checked in iron's order: prefix, expiration, password, HMAC). */
export function openIron(seal: string, passwords: Record<string, string>): IronOpened {
  const [token = "", version] = seal.split("~");
  const parts = token.split("*");
  if (parts.length !== 8) return { reason: "invalid", error: new Error("Incorrect number of sealed components") };
  const [prefix, id, encryptionSalt, iv, encrypted, expiration, macSalt, mac] = parts as [string, string, string, string, string, string, string, string];
  if (prefix !== "Fe26.2") return { reason: "invalid", error: new Error("Wrong mac prefix"), malformed: true };
  if (expiration) {
    if (!/^\d+$/.test(expiration)) return { reason: "invalid", error: new Error("Invalid expiration"), malformed: true };
    if (Number.parseInt(expiration, 10) <= Date.now() - clockSkewMs) return { reason: "expired", error: new Error("Expired seal") };
  }
  const secret = Object.hasOwn(passwords, id || "default") ? passwords[id || "default"] : undefined;
  if (typeof secret !== "string") return { reason: "unknown-password", error: new Error(`Cannot find password: ${id}`) };
  const macBase = parts.slice(0, 6).join("*");
  const expected = Buffer.from(createHmac("sha256", derivedKey(secret, macSalt)).update(macBase).digest("base64url"));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { reason: "invalid", error: new Error("Bad hmac value") };
  try {
    const decipher = createDecipheriv("aes-256-cbc", derivedKey(secret, encryptionSalt), Buffer.from(iv, "base64url"));
    const json = Buffer.concat([decipher.update(Buffer.from(encrypted, "base64url")), decipher.final()]).toString("utf8");
    const data = (json ? JSON.parse(json) : null) ?? {};
    return { value: !opensV1Form || Number.parseInt(version ?? "", 10) === 2 ? data : { ...data.persistent } };
  } catch (error) {
    return { reason: "invalid", error: error instanceof Error ? error : new Error(String(error)), malformed: true };
  }
}

/** 256 random bits as iron writes a salt: lower-case hex, used as a string. */
const newSalt = () => randomBytes(32).toString("hex");
const derivedKey = (secret: string, salt: string) => pbkdf2Sync(secret, salt, 1, 32, "sha1");
