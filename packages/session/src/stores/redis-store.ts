import { Redis, type RedisOptions } from "ioredis";
import { SessionStoreUnavailableError } from "../errors";
import type { SessionStore, WriteMode } from "./session-store";

/** The subset of an ioredis client (single node or Cluster) the store uses. */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, secondsToken: "EX", seconds: number, condition: "NX" | "XX"): Promise<"OK" | null>;
  del(...keys: string[]): Promise<number>;
}

export interface RedisStoreOptions {
  client: RedisLike;
  /** Prepended to every key. Default: "ironlink:session:". */
  prefix?: string;
}

export class RedisStore implements SessionStore {
  readonly client: RedisLike;
  readonly prefix: string;

  constructor({ client, prefix = "ironlink:session:" }: RedisStoreOptions) {
    this.client = client;
    this.prefix = prefix;
  }

  get(key: string): Promise<string | null> {
    return this.#run("read", () => this.client.get(this.prefix + key));
  }

  async set(key: string, value: string, ttlSeconds: number, mode: WriteMode): Promise<boolean> {
    const condition = mode === "create" ? "NX" : "XX";
    return (await this.#run("write", () => this.client.set(this.prefix + key, value, "EX", ttlSeconds, condition))) === "OK";
  }

  async delete(key: string): Promise<void> {
    await this.#run("delete", () => this.client.del(this.prefix + key));
  }

  async #run<T>(what: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (cause) {
      throw new SessionStoreUnavailableError(
        `ironlink: could not ${what} the session in Redis (${cause instanceof Error ? cause.message : String(cause)}).`,
        { cause },
      );
    }
  }
}

/** Bounds that keep a request from hanging on a Redis that is down: it fails in about a second instead. */
export const redisClientDefaults = {
  connectTimeout: 1000,
  commandTimeout: 1000,
  maxRetriesPerRequest: 1,
  // Reconnect forever in the background, at most every 2 s, so the apps recover on their own.
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
} as const satisfies RedisOptions;

/**
 * An ioredis client with the bounds above, and an error listener so a Redis outage is logged once per
 * outage instead of crashing the process or flooding the log.
 */
export function createRedisClient(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, { ...redisClientDefaults, ...options });
  let down = false;
  client.on("error", (error: Error) => {
    if (down) return;
    down = true;
    console.error(`ironlink: Redis at ${redactUrl(url)} is unreachable (${error.message}); retrying.`);
  });
  client.on("ready", () => {
    if (down) console.error(`ironlink: Redis at ${redactUrl(url)} is back.`);
    down = false;
  });
  return client;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(invalid REDIS_URL)";
  }
}
