import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * Records sealed at rest (the OpenID Provider's, the TOTP secrets): AES-256-GCM under a key derived
 * (HKDF-SHA256, with the record kind's own `purpose`) from each of SESSION_PASSWORD's secrets, the newest
 * sealing and every one opening, so rotating SESSION_PASSWORD rotates these too. The record's name is the
 * additional data: a payload moved under another name does not open. Not an iron seal as sessions have: iron
 * derives two keys with PBKDF2 for every seal and open, which on the token endpoint (seven per code exchange)
 * cost a third of the provider's CPU; these keys are derived once.
 */
export interface RecordSealer {
  seal(value: unknown, name: string): string;
  /** The value, or undefined when it does not open (tampered, moved, or sealed with a secret since removed). */
  open(sealed: string, name: string): unknown;
}

/** What each kind of record is sealed for: its keys differ, so one kind's payload never opens as another's. */
export const sealingPurposes = { oidc: "ironlink oidc records", factors: "ironlink sign-in factors" } as const;

const derive = (secret: string, purpose: string) => Buffer.from(hkdfSync("sha256", secret, "", purpose, 32));

export function recordSealer(passwords: Record<string, string>, purpose: (typeof sealingPurposes)[keyof typeof sealingPurposes]): RecordSealer {
  const keys = new Map(Object.entries(passwords).map(([id, secret]) => [id, derive(secret, purpose)]));
  const newest = String(Math.max(...Object.keys(passwords).map(Number)));
  const newestKey = keys.get(newest) as Buffer;
  return {
    seal(value, name) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", newestKey, iv).setAAD(Buffer.from(name));
      const encrypted = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
      return `${newest}*${Buffer.concat([iv, encrypted, cipher.getAuthTag()]).toString("base64url")}`;
    },
    open(sealed, name) {
      const star = sealed.indexOf("*");
      const key = keys.get(sealed.slice(0, star));
      const bytes = Buffer.from(sealed.slice(star + 1), "base64url");
      if (!key || star < 1 || bytes.length < 28) return undefined;
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, 12)).setAAD(Buffer.from(name));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString("utf8"));
      } catch {
        return undefined;
      }
    },
  };
}
