import { SessionStoreUnavailableError } from "../../../errors";
import type { UserRecords } from "../storage/account-storage";
import { canonicalUsername } from "../validation";
import type { HashFairness } from "./fair-queue";
import { decoyPasswordHash, hashPassword, verifyPassword } from "./password-hash";

/** What the apps know about a person. The password hash never leaves this module. */
export interface User {
  id: string;
  username: string;
}

interface StoredUser extends User {
  /** Null (or absent) for a passwordless person, who signs in with passkeys only. */
  passwordHash: string | null;
  createdAt: number;
}

export type CreateUserResult = { ok: true; user: User } | { ok: false; reason: "taken" };

/**
 * Whose turn a hash takes in the queue (fair-queue.ts): the client's `address` where known, and the account
 * the hash is for, unless `as` names another. A signed-in owner's password change queues as its session, so
 * sign-ins at the name (a stranger's guesses, a flood) never hold it up.
 */
export interface HashTurn {
  address?: string;
  as?: string;
}

/**
 * Users shared by every app, keyed by the lower-cased name: JSON records with a scrypt hash, or null for a
 * passwordless person (passkeys only). Each hash is queued in turn with other accounts and addresses (HashTurn).
 */
export class UserStore {
  constructor(private readonly records: UserRecords) {}

  async create(username: string, password: string, turn: HashTurn = {}): Promise<CreateUserResult> {
    const id = canonicalUsername(username);
    const passwordHash = await hashPassword(password, fairnessOf(id, turn));
    const record: StoredUser = { id, username: username.trim(), passwordHash, createdAt: Date.now() };
    // "Is the name free?" and "take it" are one atomic step, so two apps cannot both register it.
    const created = await this.#run(() => this.records.create(id, JSON.stringify(record)));
    return created ? { ok: true, user: { id, username: record.username } } : { ok: false, reason: "taken" };
  }

  /**
   * The user if the password is right; null otherwise, after the same scrypt work either way: an unknown name
   * and a passwordless person are checked against the decoy hash, so neither answers faster than a wrong password.
   */
  async verify(username: string, password: string, turn: HashTurn = {}): Promise<User | null> {
    const id = canonicalUsername(username);
    const fairness = fairnessOf(id, turn);
    const record = await this.#read(id);
    const hash = record?.passwordHash ?? null;
    const matches = await verifyPassword(password, hash ?? (await decoyPasswordHash(fairness)), fairness);
    return record && hash !== null && matches ? { id: record.id, username: record.username } : null;
  }

  /** The user of an id (a passkey's owner), without any password work; undefined if there is none. */
  async find(id: string): Promise<User | undefined> {
    const record = await this.#read(id);
    return record && { id: record.id, username: record.username };
  }

  /** Whether the user exists and has a password (false for a passwordless person, or no user). */
  async hasPassword(id: string): Promise<boolean> {
    return typeof (await this.#read(id))?.passwordHash === "string";
  }

  /** Replaces the password hash (or sets a passwordless person's first one), if the user still exists. */
  async changePassword(id: string, newPassword: string, turn: HashTurn = {}): Promise<boolean> {
    const record = await this.#read(id);
    if (!record) return false;
    const updated: StoredUser = { ...record, passwordHash: await hashPassword(newPassword, fairnessOf(id, turn)) };
    return this.#run(() => this.records.replace(id, JSON.stringify(updated)));
  }

  /**
   * Makes the user passwordless: the hash is gone (null), and no password signs them in any more. Resolves to
   * the removal's undo, for a removal that turns out to leave no way in (account.ts, removePassword); undefined
   * when there was no password to remove, or no user. The undo puts the old hash back unless a password was set since.
   */
  async removePassword(id: string): Promise<{ undo(): Promise<void> } | undefined> {
    const record = await this.#read(id);
    const passwordHash = record?.passwordHash;
    if (!record || typeof passwordHash !== "string") return undefined;
    if (!(await this.#run(() => this.records.replace(id, JSON.stringify({ ...record, passwordHash: null } satisfies StoredUser))))) return undefined;
    const undo = async () => {
      const current = await this.#read(id);
      if (current && current.passwordHash === null) await this.#run(() => this.records.replace(id, JSON.stringify({ ...current, passwordHash } satisfies StoredUser)));
    };
    return { undo };
  }

  async #read(id: string): Promise<StoredUser | undefined> {
    const raw = await this.#run(() => this.records.get(id));
    return raw ? parseRecord(raw) : undefined;
  }

  #run<T>(command: () => Promise<T>): Promise<T> {
    return SessionStoreUnavailableError.wrap("the user store did not answer", command);
  }
}

const fairnessOf = (account: string, { address, as = account }: HashTurn): HashFairness => (address === undefined ? { account: as } : { account: as, address });

/** A stored record, or undefined for one that is not; a passwordless person's hash (null, or absent) reads as null. */
function parseRecord(raw: string): StoredUser | undefined {
  try {
    const value = JSON.parse(raw) as Partial<StoredUser>;
    const { passwordHash = null } = value;
    return typeof value.id === "string" && typeof value.username === "string" && (passwordHash === null || typeof passwordHash === "string")
      ? { ...(value as StoredUser), passwordHash }
      : undefined;
  } catch {
    return undefined;
  }
}
