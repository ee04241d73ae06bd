import { Redis, type RedisOptions } from "ioredis";
import { SessionStoreUnavailableError } from "../errors";
import type { SessionStore, StoreWrite } from "./session-store";

/**
 * Sessions in Redis. Every command touches one key, so the store works unchanged on Redis Cluster:
 * - `<prefix><key>`: the sealed session, with a PX expiry;
 * - `<prefix>user:<userId>`: a sorted set of the user's session keys scored by their expiry, which
 *   expires itself with its last entry, so the index never outlives its sessions;
 * - `<prefix>claimed:<key>`: one-time markers (a migrated iron-session cookie).
 */
export interface RedisStoreOptions {
  client: Redis | RedisLike;
  /** Prepended to every key. Default: "ironlink:session:". */
  prefix?: string;
}

/** The subset of an ioredis client (single node or Cluster) the store uses. */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ...args: (string | number)[]): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  exists(...keys: string[]): Promise<number>;
  zrem(key: string, ...members: string[]): Promise<number>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

// Adds or moves an index entry, drops entries already expired, and keeps the index's own expiry at its
// latest entry. One key, one round trip, atomic.
const indexScript = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last == 0 then return 0 end
local ttl = tonumber(last[2]) - tonumber(ARGV[3])
if ttl <= 0 then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], math.ceil(ttl)) end
return 1`;

// Drops expired entries and returns the rest.
const listScript = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

export class RedisStore implements SessionStore {
  readonly client: RedisLike;
  readonly prefix: string;

  constructor({ client, prefix = "ironlink:session:" }: RedisStoreOptions) {
    this.client = client as RedisLike;
    this.prefix = prefix;
  }

  get(key: string): Promise<string | null> {
    return this.#run("read", () => this.client.get(this.prefix + key));
  }

  async set(key: string, value: string, { mode, expiresAt, now, userId }: StoreWrite): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(expiresAt - now));
    const written = await this.#run("write", () => this.client.set(this.prefix + key, value, "PX", ttl, mode === "create" ? "NX" : "XX"));
    if (written !== "OK") return false;
    if (userId !== undefined) await this.#run("index", () => this.client.eval(indexScript, 1, this.indexKey(userId), key, expiresAt, now));
    return true;
  }

  async delete(key: string, userId?: string): Promise<void> {
    await this.#run("delete", () =>
      Promise.all([this.client.del(this.prefix + key), userId === undefined ? 0 : this.client.zrem(this.indexKey(userId), key)]),
    );
  }

  async listByUser(userId: string, now: number): Promise<Array<[string, string]>> {
    const index = this.indexKey(userId);
    const keys = (await this.#run("list", () => this.client.eval(listScript, 1, index, now))) as string[];
    const values = await this.#run("list", () => Promise.all(keys.map((key) => this.client.get(this.prefix + key))));
    const gone = keys.filter((_, i) => values[i] === null);
    if (gone.length > 0) await this.#run("prune", () => this.client.zrem(index, ...gone));
    return keys.flatMap((key, i) => (values[i] === null ? [] : [[key, values[i] as string] as [string, string]]));
  }

  async claim(key: string, expiresAt: number, now: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(expiresAt - now));
    return (await this.#run("write", () => this.client.set(`${this.prefix}claimed:${key}`, "1", "PX", ttl, "NX"))) === "OK";
  }

  async isClaimed(key: string): Promise<boolean> {
    return (await this.#run("read", () => this.client.exists(`${this.prefix}claimed:${key}`))) > 0;
  }

  /** The Redis key of a user's session index. */
  indexKey(userId: string): string {
    return `${this.prefix}user:${userId}`;
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
