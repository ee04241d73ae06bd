import type { Redis } from "ioredis";
import { SessionStoreUnavailableError } from "@ironlink/session";

export interface RateLimits {
  perUsername: number;
  perAddress: number;
  /** Seconds. */
  window: number;
}

export type RateLimitCheck = { limited: false } | { limited: true; retryAfterSeconds: number };

/**
 * Failed sign-ins counted in Redis, per username and per client address, so every app of the fleet shares
 * the count. A fixed window that starts at the first failure: simple, one key per subject, and it expires
 * by itself. Each command touches one key, so it works on Redis Cluster too.
 */
export class SignInRateLimiter {
  constructor(
    private readonly redis: Pick<Redis, "get" | "pttl" | "incr" | "pexpire" | "del" | "multi">,
    private readonly limits: RateLimits,
    private readonly prefix = "ironlink:ratelimit:",
  ) {}

  /** Whether either counter is at its limit, and for how long. Checked before any password work. */
  async check(username: string, address: string | undefined): Promise<RateLimitCheck> {
    const subjects: Array<[string, number]> = [[this.#userKey(username), this.limits.perUsername]];
    if (address) subjects.push([this.#addressKey(address), this.limits.perAddress]);
    const waits = await this.#run(() =>
      Promise.all(
        subjects.map(async ([key, limit]) => {
          const count = Number((await this.redis.get(key)) ?? 0);
          return count >= limit ? Math.max(1, Math.ceil((await this.redis.pttl(key)) / 1000)) : 0;
        }),
      ),
    );
    const retryAfterSeconds = Math.max(...waits);
    return retryAfterSeconds > 0 ? { limited: true, retryAfterSeconds } : { limited: false };
  }

  async recordFailure(username: string, address: string | undefined): Promise<void> {
    const keys = [this.#userKey(username), ...(address ? [this.#addressKey(address)] : [])];
    await this.#run(() =>
      Promise.all(keys.map((key) => this.redis.multi().incr(key).pexpire(key, this.limits.window * 1000, "NX").exec())),
    );
  }

  /** A successful sign-in clears the username's count (not the address's: one good password should not unlock guessing others). */
  async reset(username: string): Promise<void> {
    await this.#run(() => this.redis.del(this.#userKey(username)));
  }

  #userKey(username: string): string {
    return `${this.prefix}user:${username.trim().toLowerCase()}`;
  }

  #addressKey(address: string): string {
    return `${this.prefix}addr:${address}`;
  }

  async #run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (cause) {
      throw new SessionStoreUnavailableError("ironlink: the rate limiter in Redis did not answer.", { cause });
    }
  }
}

export function retryMessage(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return `Too many attempts, try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`;
}
