import type { Cluster, Redis } from "ioredis";
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
  client: Redis | Cluster | RedisLike;
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

// Removes entries and, if the latest one went, brings the index's expiry back to the latest one left. The
// expiry was set for the latest entry, so it moves by the difference of the two scores (no clock needed).
const unindexScript = `
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local removed = redis.call('ZREM', KEYS[1], unpack(ARGV))
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if removed == 0 or #last == 0 then return removed end
local shift = tonumber(top[2]) - tonumber(last[2])
local pttl = redis.call('PTTL', KEYS[1])
if shift > 0 and pttl > 0 then
  if pttl - shift <= 0 then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], math.ceil(pttl - shift)) end
end
return removed`;

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
      Promise.all([this.client.del(this.prefix + key), userId === undefined ? 0 : this.client.eval(unindexScript, 1, this.indexKey(userId), key)]),
    );
  }

  async listByUser(userId: string, now: number): Promise<Array<[string, string]>> {
    const index = this.indexKey(userId);
    const keys = (await this.#run("list", () => this.client.eval(listScript, 1, index, now))) as string[];
    const values = await this.#run("list", () => Promise.all(keys.map((key) => this.client.get(this.prefix + key))));
    const gone = keys.filter((_, i) => values[i] === null);
    if (gone.length > 0) await this.#run("prune", () => this.client.eval(unindexScript, 1, index, ...gone));
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
