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
    private readonly redis: Pick<Redis, "get" | "pttl" | "incr" | "pexpire" | "del" | "multi" | "eval">,
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

  /**
   * Counts a sign-in attempt before the password is checked, and says whether it may go ahead: the count
   * and the decision are one step, so concurrent attempts cannot all pass a `check()` made before any of
   * them was recorded. The attempt stays counted as a failure unless `succeeded()` follows. A refused
   * attempt counts against nothing (as with `check()`).
   */
  async attempt(username: string, address: string | undefined): Promise<RateLimitCheck> {
    const userKey = this.#userKey(username);
    const user = await this.#take(userKey, this.limits.perUsername);
    if (user.limited) return user;
    if (!address) return user;
    const byAddress = await this.#take(this.#addressKey(address), this.limits.perAddress);
    if (byAddress.limited) await this.#release(userKey);
    return byAddress;
  }

  /** After a successful `attempt()`: the username's count is cleared and the address's attempt given back. */
  async succeeded(username: string, address: string | undefined): Promise<void> {
    await this.reset(username);
    if (address) await this.#release(this.#addressKey(address));
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

  async #take(key: string, limit: number): Promise<RateLimitCheck> {
    const [count, pttl] = await this.#run(async () => {
      const results = await this.redis.multi().incr(key).pexpire(key, this.limits.window * 1000, "NX").pttl(key).exec();
      const failed = !results ? new Error("transaction aborted") : results.find(([error]) => error)?.[0];
      if (failed) throw failed;
      return [Number(results![0]![1]), Number(results![2]![1])];
    });
    if (count <= limit) return { limited: false };
    await this.#release(key);
    return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil(pttl / 1000)) };
  }

  /** Gives one attempt back; never below zero, and never on a key that expired meanwhile (it would lose its expiry). */
  async #release(key: string): Promise<void> {
    await this.#run(() => this.redis.eval(releaseScript, 1, key));
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

const releaseScript = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0`;

export function retryMessage(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return `Too many attempts, try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`;
}
