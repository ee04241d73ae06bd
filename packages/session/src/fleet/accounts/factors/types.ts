/**
 * A person's sign-in factors beside their password (issue 26): passkeys, the TOTP secret and recovery codes.
 * One record per user in the account store (factor-store.ts), changed by compare-and-set so two changes at
 * once never lose one.
 */

/** One registered passkey (a WebAuthn credential), as stored. */
export interface StoredPasskey {
  /** The credential id, base64url: also the key of the passkey index (credential → user). */
  id: string;
  /** The credential's COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter at its last use (0 for authenticators that keep none). */
  counter: number;
  transports?: string[];
  /** What the person calls it ("MacBook", "YubiKey"); at most passkeyLimits.nameMax characters. */
  name: string;
  createdAt: number;
  lastUsedAt?: number;
}

/** Two-step verification's state: the secret sealed at rest (fleet/sealing.ts), never stored in the clear. */
export interface StoredTotp {
  sealedSecret: string;
  enabledAt: number;
}

export interface UserFactors {
  passkeys: StoredPasskey[];
  totp?: StoredTotp;
  /** SHA-256 hashes (base64url) of the unused recovery codes. */
  recoveryCodes?: string[];
  /** The WebAuthn user handle (random, base64url), the same for every passkey of the person. */
  userHandle?: string;
}

/** The relying party the ceremonies are for: the sign-in app. */
export interface RelyingParty {
  /** The RP id: LOGIN_URL's host name (no port). */
  id: string;
  /** Shown by the browser and authenticator. */
  name: string;
  /** LOGIN_URL's exact origin: the only origin a ceremony is accepted from. */
  origin: string;
}

export const factorLimits = {
  /** Passkeys one person may register. */
  passkeysPerUser: 10,
  /** Characters of a passkey's name. */
  passkeyNameMax: 64,
  /** How long a WebAuthn challenge may be answered. */
  challengeMs: 5 * 60_000,
  /** Recovery codes shown at once. */
  recoveryCodes: 10,
  /** Bytes of a WebAuthn response a ceremony reads. */
  responseBytesMax: 16 * 1024,
} as const;
