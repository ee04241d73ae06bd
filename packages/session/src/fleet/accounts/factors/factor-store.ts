import { SessionStoreUnavailableError } from "../../../errors";
import type { FactorRecords } from "../storage/account-storage";
import type { StoredPasskey, StoredTotp, UserFactors } from "./types";

/** Compare-and-set rounds before giving up: each lost round means another change was stored, so this only runs out under a flood. */
const updateAttempts = 16;

/**
 * A person's sign-in factors (types.ts) over the raw records: one JSON record per user, changed by
 * compare-and-set so two changes at once (two passkeys registered in two tabs) never lose one, and the
 * passkey index (credential id → user id) that finds the person a passkey sign-in is for.
 */
export class FactorStore {
  constructor(private readonly records: FactorRecords) {}

  /**
   * The person's factors; none stored reads as empty. A record that is not JSON of the right shape also reads
   * as empty, and a field that does not validate as absent (a passkey that does not, as left out), without a log:
   * the next update rewrites the record whole.
   */
  async read(userId: string): Promise<UserFactors> {
    return parseFactors(await this.#run(() => this.records.get(userId)));
  }

  /**
   * Applies `change` to the current factors and stores the result by compare-and-set, reading again and
   * reapplying when another change was stored meanwhile. `change` returns undefined to write nothing; it may
   * run several times, so it must not have side effects. Resolves to what was stored, or the current factors
   * when nothing was written.
   */
  async update(userId: string, change: (current: UserFactors) => UserFactors | undefined): Promise<UserFactors> {
    for (let attempt = 1; attempt <= updateAttempts; attempt++) {
      const raw = await this.#run(() => this.records.get(userId));
      const current = parseFactors(raw);
      const next = change(current);
      if (next === undefined) return current;
      if (await this.#run(() => this.records.swap(userId, raw, JSON.stringify(next)))) return next;
      // Lost the race: a short random pause, so the changes racing with this one do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
    throw new SessionStoreUnavailableError(`ironlink: the factors of a user changed ${updateAttempts} times during one update.`);
  }

  /** Records that the passkey `credentialId` belongs to `userId`; false if anyone (even `userId`) holds it already. */
  claimCredential(credentialId: string, userId: string): Promise<boolean> {
    return this.#run(() => this.records.claimCredential(credentialId, userId));
  }

  /** The id of the user the passkey belongs to, or null. */
  credentialOwner(credentialId: string): Promise<string | null> {
    return this.#run(() => this.records.credentialOwner(credentialId));
  }

  /** Forgets the passkey, if `userId` holds it; another user's claim stays. */
  releaseCredential(credentialId: string, userId: string): Promise<void> {
    return this.#run(() => this.records.releaseCredential(credentialId, userId));
  }

  #run<T>(command: () => Promise<T>): Promise<T> {
    return SessionStoreUnavailableError.wrap("the factor store did not answer", command);
  }
}

const emptyFactors = (): UserFactors => ({ passkeys: [] });

/** The stored factors, keeping only what has the right shape (the record is data from a store, never trusted). */
function parseFactors(raw: string | null): UserFactors {
  if (raw === null) return emptyFactors();
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return emptyFactors();
  }
  if (!isObject(value)) return emptyFactors();
  const factors: UserFactors = { passkeys: Array.isArray(value.passkeys) ? value.passkeys.filter(isStoredPasskey) : [] };
  if (isStoredTotp(value.totp)) factors.totp = value.totp;
  if (Array.isArray(value.recoveryCodes) && value.recoveryCodes.every(isString)) factors.recoveryCodes = value.recoveryCodes;
  if (isString(value.userHandle)) factors.userHandle = value.userHandle;
  return factors;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === "string";
const isTime = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

function isStoredPasskey(value: unknown): value is StoredPasskey {
  if (!isObject(value)) return false;
  const { id, publicKey, counter, transports, name, createdAt, lastUsedAt } = value;
  return (
    isString(id) &&
    isString(publicKey) &&
    typeof counter === "number" &&
    Number.isSafeInteger(counter) &&
    counter >= 0 &&
    (transports === undefined || (Array.isArray(transports) && transports.every(isString))) &&
    isString(name) &&
    isTime(createdAt) &&
    (lastUsedAt === undefined || isTime(lastUsedAt))
  );
}

function isStoredTotp(value: unknown): value is StoredTotp {
  return isObject(value) && isString(value.sealedSecret) && isTime(value.enabledAt);
}
