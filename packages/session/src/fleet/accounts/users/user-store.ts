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
  passwordHash: string;
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
 * Users shared by every app, keyed by the lower-cased name: JSON records with a scrypt hash. Each hash is
 * queued in turn with other accounts and addresses (HashTurn).
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

  /** The user if the password is right; null otherwise, after the same scrypt work either way. */
  async verify(username: string, password: string, turn: HashTurn = {}): Promise<User | null> {
    const id = canonicalUsername(username);
    const fairness = fairnessOf(id, turn);
    const raw = await this.#run(() => this.records.get(id));
    const record = raw ? parseRecord(raw) : undefined;
    const matches = await verifyPassword(password, record?.passwordHash ?? (await decoyPasswordHash(fairness)), fairness);
    return record && matches ? { id: record.id, username: record.username } : null;
  }

  /** The user of an id (a passkey's owner), without any password work; undefined if there is none. */
  async find(id: string): Promise<User | undefined> {
    const raw = await this.#run(() => this.records.get(id));
    const record = raw ? parseRecord(raw) : undefined;
    return record && { id: record.id, username: record.username };
  }

  /** Replaces the password hash, if the user still exists. */
  async changePassword(id: string, newPassword: string, turn: HashTurn = {}): Promise<boolean> {
    const raw = await this.#run(() => this.records.get(id));
    const record = raw ? parseRecord(raw) : undefined;
    if (!record) return false;
    const updated: StoredUser = { ...record, passwordHash: await hashPassword(newPassword, fairnessOf(id, turn)) };
    return this.#run(() => this.records.replace(id, JSON.stringify(updated)));
  }

  #run<T>(command: () => Promise<T>): Promise<T> {
    return SessionStoreUnavailableError.wrap("the user store did not answer", command);
  }
}

const fairnessOf = (account: string, { address, as = account }: HashTurn): HashFairness => (address === undefined ? { account: as } : { account: as, address });

function parseRecord(raw: string): StoredUser | undefined {
  try {
    const value = JSON.parse(raw) as Partial<StoredUser>;
    return typeof value.id === "string" && typeof value.username === "string" && typeof value.passwordHash === "string"
      ? (value as StoredUser)
      : undefined;
  } catch {
    return undefined;
  }
}
