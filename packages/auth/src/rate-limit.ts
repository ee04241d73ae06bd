import { SessionStoreUnavailableError } from "@ironlink/session";
import type { AttemptCounters } from "./storage/account-storage";

export interface RateLimits {
  perUsername: number;
  perAddress: number;
  /** Seconds. */
  window: number;
}

export type RateLimitCheck = { limited: false } | { limited: true; retryAfterSeconds: number };

/**
 * Sign-in attempts counted per username and per client address in the shared store, so every app of the
 * fleet shares the count. A fixed window that starts at the first attempt: one counter per subject, and
 * it expires by itself.
 */
export class SignInRateLimiter {
  constructor(
    private readonly counters: AttemptCounters,
    private readonly limits: RateLimits,
  ) {}

  /**
   * Counts a sign-in attempt before the password is checked, and says whether it may go ahead: the count
   * and the decision are one step, so concurrent guesses cannot all slip under the limit. The attempt
   * stays counted as a failure unless `succeeded()` follows. A refused attempt counts against nothing.
   */
  async attempt(username: string, address: string | undefined): Promise<RateLimitCheck> {
    const userKey = userKeyOf(username);
    const byUser = await this.#take(userKey, this.limits.perUsername);
    if (byUser.limited || !address) return byUser;
    const byAddress = await this.#take(`addr:${address}`, this.limits.perAddress);
    if (byAddress.limited) await this.#run(() => this.counters.decrement(userKey));
    return byAddress;
  }

  /**
   * After a successful `attempt()`: the username's count is cleared and the address's attempt given back
   * (not its earlier failures: one good password should not unlock guessing others).
   */
  async succeeded(username: string, address: string | undefined): Promise<void> {
    await this.#run(() => this.counters.clear(userKeyOf(username)));
    if (address) await this.#run(() => this.counters.decrement(`addr:${address}`));
  }

  /**
   * After a successful `attempt()` whose password was never checked (the hashing queue was full): nothing
   * was guessed, so the username and the address get the attempt back, and a person who retries is not
   * locked out by a flood.
   */
  async notChecked(username: string, address: string | undefined): Promise<void> {
    await this.#run(() => this.counters.decrement(userKeyOf(username)));
    if (address) await this.#run(() => this.counters.decrement(`addr:${address}`));
  }

  async #take(key: string, limit: number): Promise<RateLimitCheck> {
    const { count, remainingMs } = await this.#run(() => this.counters.increment(key, this.limits.window * 1000));
    if (count <= limit) return { limited: false };
    await this.#run(() => this.counters.decrement(key));
    return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) };
  }

  async #run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (cause) {
      throw new SessionStoreUnavailableError("ironlink: the sign-in rate limiter's store did not answer.", { cause });
    }
  }
}

const userKeyOf = (username: string) => `user:${username.trim().toLowerCase()}`;

export function retryMessage(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return `Too many attempts, try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`;
}
