import { SessionStoreUnavailableError } from "../../errors";
import type { RateLimits } from "../sign-in-settings";
import type { AttemptCounters } from "./storage/account-storage";
import { canonicalUsername } from "./validation";


/**
 * A username past its failure limit gets one attempt per this many seconds, from anywhere: guessing crawls,
 * and its owner waits seconds, not a whole window, so strangers cannot lock anyone out.
 */
export const slowdownSeconds = 10;

export type RateLimitCheck = { limited: false } | { limited: true; retryAfterSeconds: number };

interface Rule {
  key: string;
  limit: number;
  windowMs: number;
}

/**
 * Sign-in, registration and password-change attempts counted in the shared store, so every app of the
 * fleet shares the counts. Fixed windows that start at the first attempt: one counter per subject, and it
 * expires by itself. Counting and deciding are one step, so concurrent guesses cannot all slip under a
 * limit; an attempt stays counted as a failure unless a `…Succeeded()` follows; a refused attempt, or one
 * whose password was never checked, counts against nothing.
 *
 * A sign-in is counted twice per username (and per username and address): as a failure, which slows
 * guessing and which a success takes back, and as a sign-in, against a larger budget that a success keeps
 * spending, so nobody can keep the password hashing busy for free with their own account. Nothing counts
 * successes per address alone: an office behind one address signs in at nine o'clock.
 */
export class SignInRateLimiter {
  constructor(
    private readonly counters: AttemptCounters,
    private readonly limits: RateLimits,
  ) {}

  /** Before a password is checked at sign-in. Without an address only the username's slowdown applies. */
  async attempt(username: string, address: string | undefined): Promise<RateLimitCheck> {
    const user = canonicalUsername(username);
    const { perUsernameAndAddress, perAddress, perUsername, signInsPerUsernameAndAddress, signInsPerUsername } = this.limits;
    const byAddress = address
      ? [
          this.#rule(pairKey(user, address), perUsernameAndAddress),
          this.#rule(signInPairKey(user, address), signInsPerUsernameAndAddress),
          this.#rule(`addr:${address}`, perAddress),
        ]
      : [];
    const taken: string[] = [];
    const refused = await this.#takeAll(byAddress, taken);
    if (refused) return refused;
    const failures = await this.#increment(this.#rule(`user:${user}`, perUsername), taken);
    const signIns = await this.#increment(this.#rule(`signin-user:${user}`, signInsPerUsername), taken);
    if (failures.count > perUsername || signIns.count > signInsPerUsername) {
      const slowed = await this.#takeAll([{ key: `slow:${user}`, limit: 1, windowMs: slowdownSeconds * 1000 }], taken);
      if (slowed) return slowed;
    }
    return { limited: false };
  }

  /**
   * After a sign-in's password was right: the username's failures are forgotten, the address's attempt
   * given back. Its sign-ins stay counted.
   */
  async succeeded(username: string, address: string | undefined): Promise<void> {
    const user = canonicalUsername(username);
    await this.#run(() => this.counters.clear(`user:${user}`));
    if (!address) return;
    await this.#run(() => this.counters.clear(pairKey(user, address)));
    // Not the address's earlier failures: one good password should not unlock guessing others.
    await this.#run(() => this.counters.decrement(`addr:${address}`));
  }

  /**
   * After an `attempt()` whose password was never checked (the hashing queue was full): nothing was
   * guessed, so every count it took is given back, and a person who retries is not locked out by a flood.
   */
  async notChecked(username: string, address: string | undefined): Promise<void> {
    const user = canonicalUsername(username);
    const keys = [`user:${user}`, `signin-user:${user}`, ...(address ? [pairKey(user, address), signInPairKey(user, address), `addr:${address}`] : [])];
    await Promise.all(keys.map((key) => this.#run(() => this.counters.decrement(key))));
  }

  /**
   * After a passkey sign-in named a credential nobody registered: no username to count it against, so it is a
   * failure of the address (RATE_LIMIT_PER_ADDRESS), like a wrong password for some name; past it, refused.
   */
  async unknownPasskey(address: string | undefined): Promise<RateLimitCheck> {
    if (!address) return { limited: false };
    return (await this.#takeAll([this.#rule(`addr:${address}`, this.limits.perAddress)], [])) ?? { limited: false };
  }

  /** Before a registration; every one counts. */
  async attemptRegistration(address: string | undefined): Promise<RateLimitCheck> {
    if (!address) return { limited: false };
    return (await this.#takeAll([this.#rule(`register:${address}`, this.limits.registrationsPerAddress)], [])) ?? { limited: false };
  }

  /**
   * Before a signed-in person's current password is checked: counted per session, so strangers' guesses at
   * the username never stand in the owner's way.
   */
  async attemptPasswordChange(publicId: string): Promise<RateLimitCheck> {
    return (await this.#takeAll([this.#rule(`change:${publicId}`, this.limits.perUsernameAndAddress)], [])) ?? { limited: false };
  }

  async passwordChangeSucceeded(publicId: string): Promise<void> {
    await this.#run(() => this.counters.clear(`change:${publicId}`));
  }

  /** After an `attemptPasswordChange()` whose password was never checked (the hashing queue was full). */
  async passwordChangeNotChecked(publicId: string): Promise<void> {
    await this.#run(() => this.counters.decrement(`change:${publicId}`));
  }

  #rule(key: string, limit: number): Rule {
    return { key, limit, windowMs: this.limits.window * 1000 };
  }

  /** Counts each rule in turn; at the first one over its limit, gives back all taken so far and refuses. */
  async #takeAll(rules: Rule[], taken: string[]): Promise<RateLimitCheck | undefined> {
    for (const rule of rules) {
      const { count, remainingMs } = await this.#increment(rule, taken);
      if (count > rule.limit) {
        await Promise.all(taken.map((key) => this.#run(() => this.counters.decrement(key))));
        return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) };
      }
    }
    return undefined;
  }

  async #increment(rule: Rule, taken: string[]): Promise<{ count: number; remainingMs: number }> {
    const result = await this.#run(() => this.counters.increment(rule.key, rule.windowMs));
    taken.push(rule.key);
    return result;
  }

  #run<T>(command: () => Promise<T>): Promise<T> {
    return SessionStoreUnavailableError.wrap("the sign-in rate limiter's store did not answer", command);
  }
}

const pairKey = (user: string, address: string) => `user-addr:${user}|${address}`;
const signInPairKey = (user: string, address: string) => `signin-user-addr:${user}|${address}`;

/** "Too many attempts, try again in …": seconds under a minute, minutes beyond. */
export function retryMessage(seconds: number): string {
  if (seconds < 60) return `Too many attempts, try again in ${seconds} ${seconds === 1 ? "second" : "seconds"}.`;
  const minutes = Math.ceil(seconds / 60);
  return `Too many attempts, try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`;
}
