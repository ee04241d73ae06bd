import type { Cluster, Redis } from "ioredis";
import { SessionStoreUnavailableError } from "../errors";
import { closeRedisClient } from "./redis-client";
import { createHash } from "node:crypto";
import type { SessionStore, StoreWrite, WriteResult } from "./session-store";

/**
 * Sessions in Redis. Every command touches one key, so the store works unchanged on Redis Cluster:
 * - `<prefix><key>`: the sealed session, with a PX expiry;
 * - `<prefix>user:<userId>`: a sorted set of the user's session keys scored by their expiry, which
 *   expires itself with its last entry, so the index never outlives its sessions;
 * - `<prefix>claimed:<key>`: one-time markers (a migrated iron-session cookie).
 * - `<prefix>revocations`: the fleet's revocation counter, and `<prefix>revoked:<userId>`: its value at the
 *   user's latest revocation (no expiry: one small key per user who ever signed out everywhere or changed
 *   a password), for the sign-in guard (manager.ts).
 * - the channel `<prefix>ended`: every deleted session's key, for live sign-out (SPUBLISH on a Cluster,
 *   so the message goes to one shard, not the whole cluster).
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
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

// Adds or moves an index entry, drops entries already expired, and keeps the index's own expiry at its
// latest entry. One key, one round trip, atomic. Returns how many entries the index holds (for the cap).
const indexScript = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last == 0 then return 0 end
local ttl = tonumber(last[2]) - tonumber(ARGV[3])
if ttl <= 0 then redis.call('DEL', KEYS[1]) return 0 end
redis.call('PEXPIRE', KEYS[1], math.ceil(ttl))
return redis.call('ZCARD', KEYS[1])`;

// Raises a user's revocation mark to ARGV[1], never lowers it: two revocations may write in either order.
const raiseMarkScript = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
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

// Compare-and-set on one key: writes only if the value is still the one the caller read (compared by SHA-1).
const updateScript = `
local current = redis.call('GET', KEYS[1])
if not current then return {0} end
if redis.sha1hex(current) ~= ARGV[2] then return {2, current} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return {1}`;

// Drops expired entries and returns the rest.
const listScript = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

const scriptShas = new Map<string, string>();

/** What live sign-out needs of an ioredis client beyond RedisLike. */
interface PubSubClient {
  publish?(channel: string, message: string): Promise<unknown>;
  spublish(channel: string, message: string): Promise<unknown>;
  duplicate?(startupNodes?: unknown[], options?: { shardedSubscribers: boolean }): PubSubConnection;
  isCluster?: boolean;
}

interface PubSubConnection {
  on(event: "message" | "smessage", listener: (channel: string, message: string) => void): unknown;
  on(event: "ready", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  subscribe(channel: string): Promise<unknown>;
  ssubscribe(channel: string): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

const isCluster = (client: PubSubClient) => client.isCluster === true;

/** `RedisStore.Options` (the constructor's), `RedisStore.Client` (the part of an ioredis client it uses). */
export declare namespace RedisStore {
  type Options = RedisStoreOptions;
  type Client = RedisLike;
}

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

  async set(key: string, value: string, write: StoreWrite): Promise<WriteResult> {
    const ttl = Math.max(1, Math.ceil(write.expiresAt - write.now));
    const result = await this.#run("write", async (): Promise<WriteResult> => {
      if (write.mode === "create") {
        return (await this.client.set(this.prefix + key, value, "PX", ttl, "NX")) === "OK" ? { status: "written" } : { status: "gone" };
      }
      const expected = createHash("sha1").update(write.expected).digest("hex");
      const [code, current] = (await this.#script(updateScript, this.prefix + key, value, expected, ttl)) as [number, string?];
      return code === 1 ? { status: "written" } : code === 2 ? { status: "changed", current: current as string } : { status: "gone" };
    });
    if (result.status === "written" && write.userId !== undefined) {
      const indexed = await this.#run("index", () => this.#script(indexScript, this.indexKey(write.userId as string), key, write.expiresAt, write.now));
      return { status: "written", userSessions: Number(indexed) };
    }
    return result;
  }

  async delete(key: string, userId?: string, { replaced = false } = {}): Promise<void> {
    await this.#run("delete", () =>
      Promise.all([
        this.client.del(this.prefix + key),
        userId === undefined ? 0 : this.#script(unindexScript, this.indexKey(userId), key),
        this.#announceEnded(replaced ? `${key} replaced` : key),
      ]),
    );
  }

  async expiresIn(key: string): Promise<number | null> {
    const ttl = Number(await this.#run("read", () => (this.client as unknown as { pttl(key: string): Promise<number> }).pttl(this.prefix + key)));
    return ttl >= 0 ? ttl : null;
  }

  get endedChannel(): string {
    return `${this.prefix}ended`;
  }

  /** `message`: the key, with " replaced" after it for a session that goes on under a new id. */
  #announceEnded(message: string): Promise<unknown> {
    const client = this.client as unknown as PubSubClient;
    if (isCluster(client)) return client.spublish(this.endedChannel, message);
    return client.publish ? client.publish(this.endedChannel, message) : Promise.resolve(0);
  }

  async subscribeEnded(onEnded: (key: string, replaced: boolean) => void, onResync: () => void): Promise<() => Promise<void>> {
    const client = this.client as unknown as PubSubClient;
    if (!client.duplicate) throw new SessionStoreUnavailableError("ironlink: this Redis client cannot subscribe (no duplicate()).");
    // A connection of its own: a subscribed connection can run no other command. On a Cluster, one that
    // follows the channel's shard (ioredis's sharded subscribers).
    const subscriber = isCluster(client) ? client.duplicate([], { shardedSubscribers: true }) : client.duplicate();
    // Its reconnection failures are the store client's outage, which that client reports (one line per outage):
    // without a listener each one would print "[ioredis] Unhandled error event" and a stack trace.
    subscriber.on("error", () => {});
    const channel = this.endedChannel;
    const onMessage = (from: string, message: string) => {
      const [key = "", kind] = message.split(" ");
      if (from === channel) onEnded(key, kind === "replaced");
    };
    let connectedOnce = false;
    subscriber.on("ready", () => {
      // ioredis subscribes again by itself; what was announced in between is what onResync is for.
      if (connectedOnce) onResync();
      connectedOnce = true;
    });
    if (isCluster(client)) {
      subscriber.on("smessage", onMessage);
      await subscriber.ssubscribe(channel);
    } else {
      subscriber.on("message", onMessage);
      await subscriber.subscribe(channel);
    }
    return () => closeRedisClient(subscriber);
  }

  async listByUser(userId: string, now: number): Promise<Array<[string, string]>> {
    const index = this.indexKey(userId);
    const keys = (await this.#run("list", () => this.#script(listScript, index, now))) as string[];
    const values = await this.#run("list", () => Promise.all(keys.map((key) => this.client.get(this.prefix + key))));
    const gone = keys.filter((_, i) => values[i] === null);
    if (gone.length > 0) await this.#run("prune", () => this.#script(unindexScript, index, ...gone));
    return keys.flatMap((key, i) => (values[i] === null ? [] : [[key, values[i] as string] as [string, string]]));
  }

  /** Two commands, one key each (so any Cluster slot): the counter first, then the user's mark. */
  async countRevocation(userId: string): Promise<number> {
    const count = Number(await this.#run("revoke", () => (this.client as unknown as { incr(key: string): Promise<number> }).incr(`${this.prefix}revocations`)));
    await this.#run("revoke", () => this.#script(raiseMarkScript, `${this.prefix}revoked:${userId}`, count));
    return count;
  }

  async revocationCount(): Promise<number> {
    return Number((await this.#run("read", () => this.client.get(`${this.prefix}revocations`))) ?? 0);
  }

  async lastRevocationOf(userId: string): Promise<number> {
    return Number((await this.#run("read", () => this.client.get(`${this.prefix}revoked:${userId}`))) ?? 0);
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

  /** Runs a one-key Lua script by its SHA (EVALSHA), sending its text only the first time a server lacks it. */
  async #script(script: string, key: string, ...args: (string | number)[]): Promise<unknown> {
    const sha = scriptShas.get(script) ?? createHash("sha1").update(script).digest("hex");
    scriptShas.set(script, sha);
    try {
      return await this.client.evalsha(sha, 1, key, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return this.client.eval(script, 1, key, ...args);
    }
  }

  #run<T>(what: string, command: () => Promise<T>): Promise<T> {
    return SessionStoreUnavailableError.wrap(`could not ${what} the session in Redis`, command);
  }
}
