/**
 * Where the accounts live, beside the sessions: user records, sign-in attempt counters and sign-in factors. Redis by
 * default; files in the shared session directory when SESSION_STORE=file. Both share one contract, so the
 * user store and the rate limiter do not know which they use.
 */
export interface UserRecords {
  get(id: string): Promise<string | null>;
  /** Writes only if the id is free: "is the name free?" and "take it" are one atomic step. */
  create(id: string, record: string): Promise<boolean>;
  /** Writes only if the id exists. */
  replace(id: string, record: string): Promise<boolean>;
}

export interface AttemptCounters {
  /** Adds one, starting a window of `windowMs` if the counter is new: the new count and the time left. */
  increment(key: string, windowMs: number): Promise<{ count: number; remainingMs: number }>;
  /** Takes one back, never below zero. */
  decrement(key: string): Promise<void>;
  clear(key: string): Promise<void>;
}

/** Per-user records changed by compare-and-set, and the passkey index (credential id → user id). */
export interface FactorRecords {
  get(userId: string): Promise<string | null>;
  /** Writes `next` (null deletes) only if the stored value is still `expected` (null: absent). True if written. */
  swap(userId: string, expected: string | null, next: string | null): Promise<boolean>;
  /** Records that `credentialId` belongs to `userId`, only if no one holds it yet. */
  claimCredential(credentialId: string, userId: string): Promise<boolean>;
  credentialOwner(credentialId: string): Promise<string | null>;
  /** Forgets the credential, only if `userId` holds it. */
  releaseCredential(credentialId: string, userId: string): Promise<void>;
}
