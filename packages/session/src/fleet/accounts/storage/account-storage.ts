/**
 * Where the accounts live, beside the sessions: user records and sign-in attempt counters. Redis by
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
